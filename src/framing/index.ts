export * from './decoder.js';
export * from './header.js';
