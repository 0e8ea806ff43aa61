import type { BaseCheckpointSaver } from '@langchain/langgraph';
import { convertToOpenAITool } from '@langchain/core/utils/function_calling';
import type { Redis } from 'ioredis';
import type { BookingService } from '../booking/booking-service.js';
import type { ChatModelSettings } from '../llm/llm-client.js';
import type { AgentCounters } from './agent-counters.js';
import { answerCacheKey, contentVersion, createAnswerCache } from './answer-cache.js';
import { createAvailabilityCache } from './availability-cache.js';
import { availabilityAnswer, createBookingTools } from './booking-tools.js';
import { prefetchedMessages, slotIsFree, slotQuestion } from './slot-prefetch.js';
import { createChatModel } from './chat-model.js';
import { createAgentGraph, type AgentGraph } from './graph.js';
import { buildCompactSystemPrompt, buildSystemPrompt } from './system-prompt.js';

/** Free times shown with a prefetched slot: enough to offer, few enough to be cheap. */
const PREFETCH_SLOTS = 4;
/** Bounds an availability entry when a booking changed outside the agent (the owner's console). */
const AVAILABILITY_TTL_MS = 10_000;

export interface AgentProfileSettings {
  agentProfile: 'lean' | 'legacy';
  historyMessages: number;
  historyTokens: number;
  stepMaxTokens: number;
  answerCache: 'on' | 'off';
  answerCacheTtl: number;
  timeScale: number;
}

export interface BuildAgentOptions {
  settings: AgentProfileSettings;
  chatModel: ChatModelSettings;
  bookings: BookingService;
  checkpointer: BaseCheckpointSaver;
  counters: AgentCounters;
  now: () => Date;
  /** The answer cache is shared through it when given. */
  redis?: Redis | undefined;
  redisPrefix?: string;
}

/**
 * The agent of a profile. `legacy`: the long prompt and tool descriptions, every answer from
 * the model, 24 messages of history, one completion limit. `lean`: the compact prompt and
 * tools, templated answers from tool results, a small first limit per step, a token-measured
 * history window and the answer cache. Both stay reachable so `concierge bench tokens` can
 * compare them in one run.
 */
export function buildAgent(options: BuildAgentOptions): AgentGraph {
  const { settings, bookings } = options;
  const business = bookings.business;
  const model = createChatModel(options.chatModel);
  if (settings.agentProfile === 'legacy') {
    return createAgentGraph({
      model,
      tools: createBookingTools(bookings),
      checkpointer: options.checkpointer,
      systemPrompt: () => buildSystemPrompt(business, options.now()),
      historyMessages: settings.historyMessages,
    });
  }
  const availabilityCache = createAvailabilityCache({
    ttlMs: AVAILABILITY_TTL_MS * settings.timeScale,
    counters: options.counters.availabilityCache,
    redis: options.redis,
    ...(options.redisPrefix !== undefined ? { redisPrefix: options.redisPrefix } : {}),
  });
  const tools = createBookingTools(bookings, 'compact', { availabilityCache });
  const prefetch = async (text: string) => {
    const question = slotQuestion(text, business.services);
    if (!question) return [];
    // A refusal (a date in the past, a closed day) is left for the model's own call to meet.
    const answer = await availabilityAnswer(bookings, question, PREFETCH_SLOTS, availabilityCache).catch(() => undefined);
    // Only a free slot is shown: for a taken one the model's own booking call meets the
    // refusal, whose nearest free times the templated answer offers.
    return answer !== undefined && slotIsFree(answer) ? prefetchedMessages(question, answer) : [];
  };
  const toolsText = JSON.stringify(tools.map((t) => convertToOpenAITool(t)));
  const catalogueVersion = contentVersion(business);
  const cache =
    settings.answerCache === 'on'
      ? createAnswerCache({
          // Expiry runs on the scaled clock like every other duration of the server.
          ttlMs: settings.answerCacheTtl * 1000 * settings.timeScale,
          maxEntries: 10_000,
          counters: options.counters.answerCache,
          redis: options.redis,
          ...(options.redisPrefix !== undefined ? { redisPrefix: options.redisPrefix } : {}),
        })
      : undefined;
  return createAgentGraph({
    model,
    tools,
    checkpointer: options.checkpointer,
    systemPrompt: () => buildCompactSystemPrompt(business, options.now()),
    historyMessages: settings.historyMessages,
    lean: {
      stepModel: createChatModel(options.chatModel, Math.min(settings.stepMaxTokens, options.chatModel.maxCompletionTokens)),
      historyTokens: settings.historyTokens,
      templates: { businessName: business.name },
      answerCache: cache
        ? { cache, keyOf: (systemPrompt, question) => answerCacheKey({ model: options.chatModel.model, systemPrompt, tools: toolsText, catalogueVersion, question }) }
        : undefined,
      counters: options.counters,
      prefetch,
    },
  });
}
