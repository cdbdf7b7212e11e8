export * from './common.js';
export * from './extensions.js';
export * from './job-declaration.js';
export * from './json.js';
export * from './mining.js';
export * from './registry.js';
export * from './template-distribution.js';
