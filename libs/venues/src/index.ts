export * from './venues.module';
export * from './venues.service';
export * from './venue.entity';
export * from './venue.error';
export * from './event-lifecycle';
export * from './demo-venue';
export * from './dto/venue.dto';
