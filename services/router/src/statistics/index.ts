export * from './statistics-tracker';
