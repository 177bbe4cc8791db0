export * from './drops.module';
export * from './drop-definition.service';
export * from './drop-firing.service';
export * from './drop-redemption.service';
export * from './drop-analytics.service';
export * from './drop.mapper';
export * from './drops.error';
export * from './dto/drop.dto';
