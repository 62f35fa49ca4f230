/**
 * The exact JSON object Triton returns for `GET /v2/models/{m}/config` (and gRPC ModelConfig as
 * JSON) from a normalized ModelConfig. The normalized form always carries
 * model_transaction_policy, response_cache and optimization for convenience; Triton prints the
 * first two only when set and never prints optimization for an ensemble. No other reshaping.
 */
import type { ModelConfig } from '../protocol/index.js';
import { isEnsemble } from './normalize-model-config.js';

/** Triton's JSON form of `config`: key order as Triton prints it, default-only messages left out. */
export function modelConfigToJson(config: ModelConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const ensemble = isEnsemble(config);
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined) continue;
    if (key === 'model_transaction_policy' && !config.model_transaction_policy.decoupled) continue;
    if (key === 'response_cache' && !config.response_cache.enable) continue;
    if (key === 'optimization' && ensemble) continue;
    out[key] = value;
  }
  return out;
}
