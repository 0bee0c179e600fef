export * from "./DefaultInstanceProvisioner.js"
export * as Workflow from "./Workflow.js"
export * from "./WorkflowApi.js"
export * from "./Workflows.js"
