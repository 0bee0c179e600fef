/**
 * Traces over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set, with `@effect/opentelemetry`'s OTLP
 * tracer: every Effect span (a request, its pipeline and steps, the SQL statements; an
 * engine run and its tasks) is batched and posted as OTLP JSON. Without an endpoint the
 * server makes no spans at all.
 *
 * The variables are the OpenTelemetry SDK's: the base endpoint gets `/v1/traces`
 * appended, the traces endpoint is used as it is; `OTEL_SERVICE_NAME` (default `weft`);
 * `OTEL_EXPORTER_OTLP_HEADERS` (`key=value,…`, e.g. a collector's API key).
 */
import { FetchHttpClient } from "@effect/platform"
import { OtlpSerialization, OtlpTracer } from "@effect/opentelemetry"
import { Config, Duration, Layer, Option } from "effect"

export interface TracingConfig {
  /** Where spans are posted (`…/v1/traces`). */
  readonly url: string
  readonly serviceName: string
  readonly headers: Record<string, string>
  /** How often batched spans are sent. */
  readonly exportInterval: Duration.DurationInput
}

const optional = (name: string) =>
  Config.string(name).pipe(Config.option, Config.map(Option.filter((value) => value.trim() !== "")))

/** `key=value,key=value` (values URL-encoded, as the OpenTelemetry spec has them). */
const parseHeaders = (text: string): Record<string, string> =>
  Object.fromEntries(
    text.split(",").map((pair) => pair.split("=")).filter((kv) => kv.length >= 2 && kv[0].trim() !== "").map((
      [key, ...value]
    ) => [key.trim(), decodeURIComponent(value.join("=").trim())])
  )

/** The tracing settings, or none when no endpoint is set. */
export const fromEnv: Config.Config<Option.Option<TracingConfig>> = Config.all({
  endpoint: optional("OTEL_EXPORTER_OTLP_ENDPOINT"),
  tracesEndpoint: optional("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
  serviceName: Config.string("OTEL_SERVICE_NAME").pipe(Config.withDefault("weft")),
  headers: optional("OTEL_EXPORTER_OTLP_HEADERS")
}).pipe(Config.map(({ endpoint, headers, serviceName, tracesEndpoint }) =>
  Option.orElse(tracesEndpoint, () => Option.map(endpoint, (base) => `${base.replace(/\/+$/, "")}/v1/traces`)).pipe(
    Option.map((url) => ({
      url,
      serviceName,
      headers: Option.match(headers, { onNone: () => ({}), onSome: parseHeaders }),
      exportInterval: Duration.seconds(5)
    }))
  )
))

/** Sets the OTLP tracer; spans still batched are sent when the layer's scope closes (shutdown). */
export const layer = (config: TracingConfig): Layer.Layer<never> =>
  OtlpTracer.layer({
    url: config.url,
    resource: { serviceName: config.serviceName },
    headers: config.headers,
    exportInterval: config.exportInterval
  }).pipe(Layer.provide(OtlpSerialization.layerJson), Layer.provide(FetchHttpClient.layer))
