export * from './drops.module';
export * from './drops.service';
export * from './drops.error';
export * from './dto/drop.dto';
