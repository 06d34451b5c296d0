/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.test.json", diagnostics: false }],
    // ccxt's CommonJS build requires ESM-only crypto packages; jest must transpile those.
    "^.+\\.js$": ["ts-jest", { tsconfig: "tsconfig.test.json", diagnostics: false }],
  },
  transformIgnorePatterns: ["/node_modules/(?!(@noble|@scure|micro-starknet|ethereum-cryptography)/)"],
  testTimeout: 30000,
};
