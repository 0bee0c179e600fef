export * as Environment from "./Environment.js"
export * from "./EnvironmentApi.js"
export * from "./Environments.js"
export * from "./EnvironmentMigrations.js"
