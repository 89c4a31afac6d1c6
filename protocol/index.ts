export * from './result';
export * from './version';
