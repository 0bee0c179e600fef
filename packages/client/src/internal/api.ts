/**
 * The API the client is derived from: the app's `WeftApi`, with one correction the
 * contract needs. `POST …/apply` answers 201 when it created and 200 when it updated,
 * but its endpoints declare only the 200 success, and a derived client treats any
 * undeclared status as a decode failure. Here the 201 success is declared as well
 * (unless the API already does), so both answers decode to the resource.
 */
import { type HttpApi, type HttpApiEndpoint, HttpApiSchema } from "@effect/platform"
import { WeftApi } from "@weft/api"

const declaresCreated = (endpoint: HttpApiEndpoint.HttpApiEndpoint.AnyWithProps): boolean => {
  const ast = endpoint.successSchema.ast
  const members = ast._tag === "Union" ? ast.types : [ast]
  return members.some((member) => HttpApiSchema.getStatusSuccessAST(member) === 201)
}

/** The groups whose `apply` endpoint may answer 201. */
const applyGroups = ["workflows", "workflowInstances", "environments"] as const

export const ClientApi: typeof WeftApi = (() => {
  let api = WeftApi as unknown as HttpApi.HttpApi.AnyWithProps
  for (const name of applyGroups) {
    const group = api.groups[name]
    const apply = group?.endpoints["apply"]
    if (group === undefined || apply === undefined || declaresCreated(apply)) continue
    api = api.add(group.add(apply.addSuccess(apply.successSchema, { status: 201 })))
  }
  // Same groups, endpoints, payloads and success types: only a status is added.
  return api as unknown as typeof WeftApi
})()
