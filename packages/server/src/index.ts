export { PlazaServer } from './PlazaServer.js';
export { DEFAULT_CONFIG, configFromArgs, type PlazaConfig } from './config/Config.js';
export { createAccessToken, verifyAccessToken, type TokenOptions } from './auth/AccessToken.js';
export { loadOrCreateCredentials, type Credentials } from './auth/Credentials.js';
