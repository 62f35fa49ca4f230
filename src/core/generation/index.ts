/**
 * Continuous batching for generation (LLM) models: the scheduler that queues requests and hands
 * them to the sequence slots of llama.cpp instances, and the reading of generation requests.
 */

export {
  type GenerationRequest,
  MAX_CHAT_MESSAGES,
  parseChatMessages,
  readGenerationRequest,
} from './generation-request.js';
export {
  createGenerationSchedulerFactory,
  GenerationScheduler,
  type GenerationSchedulerOptions,
  generationQueueConfig,
  generationSchedulerFactory,
} from './generation-scheduler.js';
