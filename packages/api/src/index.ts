export * from "./SystemApi.js"
export * from "./WeftApi.js"
