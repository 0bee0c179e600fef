/**
 * The typed client of the weft API: `WeftClient` (Effect), `createWeftClient`
 * (Promises), the events of a watch and of the feed, and the canonical errors calls fail with.
 */
export * as WeftClient from "./WeftClient.js"
export * as WatchEvent from "./WatchEvent.js"
export * as FeedEvent from "./FeedEvent.js"
export * from "./PromiseClient.js"
export {
  Aborted,
  AlreadyExists,
  type CanonicalError,
  FailedPrecondition,
  Internal,
  InvalidArgument,
  NotFound,
  PayloadTooLarge,
  PermissionDenied,
  Unauthenticated,
  Unavailable
} from "@weft/resource"
