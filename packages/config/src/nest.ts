// The Nest integration, kept apart from the schemas so that validating the
// environment at startup does not load Nest (which takes longer than the
// validation itself).
export * from './config.module';
