export * as WorkflowInstance from "./WorkflowInstance.js"
export * from "./WorkflowInstanceApi.js"
export * from "./WorkflowInstances.js"
export * from "./WorkflowInstanceMigrations.js"
