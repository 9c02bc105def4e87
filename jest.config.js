/** @type {import('jest').Config} */
const transform = {
  '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  // ES-module-only packages: Node 20 require()s them itself, jest's module registry cannot, so they are compiled to CommonJS.
  // The OTLP exporters' CommonJS build loads node:http with import(), which the registry cannot run either.
  '/node_modules/(@platformatic|jose|@opentelemetry/otlp-exporter-base|opus-decoder|@wasm-audio-decoders|simple-yenc)/.+\\.js$': [
    '@swc/jest',
    { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } },
  ],
};
const moduleNameMapper = {
  '^@switchyard/(shared|proto|database|events|rpc|cli)$': '<rootDir>/packages/$1/src',
  '^@switchyard/(router|provider-adapters|observability|auth|semantic|edge-ingest|gateway)$': '<rootDir>/services/$1/src',
};

module.exports = {
  testEnvironment: 'node',
  transform,
  transformIgnorePatterns: ['/node_modules/(?!(@platformatic|jose|@opentelemetry/otlp-exporter-base|opus-decoder|@wasm-audio-decoders|simple-yenc)/)'],
  moduleNameMapper,
  testMatch: ['<rootDir>/{packages,services}/**/src/**/*.test.ts', '<rootDir>/bench/{harness,scenarios}/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testTimeout: 20_000,
  // Builds the code that runs outside jest's transform (worker threads, the spawned CLI); see the file.
  globalSetup: '<rootDir>/test/setup/build-before-tests.ts',
};
