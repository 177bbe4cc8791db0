// class-transformer keeps its @Type metadata in a module it does not export from its index.
declare module 'class-transformer/cjs/storage' {
  export { defaultMetadataStorage } from 'class-transformer/types/storage';
}
