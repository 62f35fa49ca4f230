/** The OpenAI-compatible API (completions, chat completions, models) served on the HTTP port. */
export {
  OPENAI_ERROR_BY_STATUS,
  OpenAiParamError,
  openAiErrorBody,
  sendOpenAiError,
  sendOpenAiRefusal,
} from './openai-error.js';
export { OpenAiExchange } from './openai-exchange.js';
export { handleOpenAiGeneration, handleOpenAiModel, handleOpenAiModels } from './openai-handler.js';
export {
  checkOpenAiModelName,
  OpenAiEndpoint,
  type OpenAiRequest,
  openAiInputs,
  parseOpenAiRequest,
} from './openai-request.js';
