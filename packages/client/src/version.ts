/** This package's version, sent as `publisher.sdk_version`. Keep in sync with package.json. */
export const version = '0.1.0';
