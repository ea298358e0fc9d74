/** The index config a VECTORIZE binding carries in its props; checked on every call so a bad one fails closed. */
import { VECTORIZE_LIMITS, type VectorizeBindingConfig } from "../../../shared/wire/vectorize";

const BINDING_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const INDEX_NAME = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;
const METRICS: readonly string[] = ["cosine", "euclidean", "dot-product"];

export function checkConfig(config: VectorizeBindingConfig, method: string): void {
  const ok =
    config !== null &&
    typeof config === "object" &&
    typeof config.binding === "string" &&
    BINDING_NAME.test(config.binding) &&
    typeof config.index === "string" &&
    INDEX_NAME.test(config.index) &&
    Number.isInteger(config.dimensions) &&
    config.dimensions >= 1 &&
    config.dimensions <= VECTORIZE_LIMITS.maxDimensions &&
    METRICS.includes(config.metric) &&
    (config.exact === undefined || typeof config.exact === "boolean");
  if (!ok) throw new Error(`VECTORIZE.${method}: this binding was created without a valid index config`);
}
