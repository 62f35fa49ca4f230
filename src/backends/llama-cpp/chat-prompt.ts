/**
 * Renders chat messages into prompt tokens inside the llama.cpp worker: with the GGUF's own chat
 * template when the file has one (node-llama-cpp picks the matching chat wrapper, or runs the Jinja
 * template), else with node-llama-cpp's GeneralChatWrapper ("### Human" / "### Assistant" turns),
 * Nereid's documented default. User text never becomes special tokens. It also returns the
 * template's plain-text stop triggers (e.g. "\n### Human"), which end a reply like stop strings.
 */
import {
  type ChatHistoryItem,
  type ChatWrapper,
  GeneralChatWrapper,
  type LlamaModel,
  resolveChatWrapper,
} from 'node-llama-cpp';
import type { ChatMessage } from '../generation.js';

/** A rendered chat prompt. */
export interface ChatPrompt {
  /** Prompt tokens (the template adds BOS and turn markers). */
  tokens: number[];
  /** Plain-text stop triggers of the template. */
  stops: string[];
}

/** The chat wrapper of `model` and whether it comes from the GGUF. */
export function chatWrapperOf(model: LlamaModel): { wrapper: ChatWrapper; fromModel: boolean } {
  const template = (model.fileInfo.metadata as { tokenizer?: { chat_template?: unknown } }).tokenizer
    ?.chat_template;
  if (typeof template === 'string' && template !== '') {
    const resolved = resolveChatWrapper(model);
    if (resolved !== null && resolved !== undefined) return { wrapper: resolved, fromModel: true };
  }
  return { wrapper: new GeneralChatWrapper(), fromModel: false };
}

/** The chat history node-llama-cpp's wrappers take, ending with the turn the model is to write. */
function historyOf(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = [];
  for (const m of messages) {
    if (m.role === 'system' || m.role === 'developer') history.push({ type: 'system', text: m.content });
    else if (m.role === 'assistant') history.push({ type: 'model', response: [m.content] });
    else history.push({ type: 'user', text: m.content });
  }
  history.push({ type: 'model', response: [] });
  return history;
}

/** Renders `messages` with `wrapper` into tokens of `model`. */
export function renderChatPrompt(
  model: LlamaModel,
  wrapper: ChatWrapper,
  messages: readonly ChatMessage[],
): ChatPrompt {
  const state = wrapper.generateContextState({ chatHistory: historyOf(messages) });
  const tokens = state.contextText.tokenize(model.tokenizer) as number[];
  const stops: string[] = [];
  for (const trigger of state.stopGenerationTriggers) {
    const values = trigger.values;
    if (values.length === 1 && typeof values[0] === 'string' && values[0] !== '') stops.push(values[0]);
  }
  return { tokens, stops };
}
