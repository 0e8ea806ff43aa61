import { createAdmission, type AdmissionDeps, type AdmissionStats } from './admission.js';
import { llmAttemptTimeoutMs, messageDeadlineMs, type AdmissionSettings } from './admission-settings.js';
import { createLangChainDefaultRetryFetch } from './langchain-default-retry.js';
import { createMeteredFetch } from './metered-fetch.js';
import { createOpenAiPythonRetryFetch, OPENAI_PYTHON_TIMEOUT_MS } from './openai-python-retry.js';

/** Everything the agent's chat model needs to call the provider, decided here and nowhere else. */
export interface ChatModelSettings {
  model: string;
  baseURL: string;
  apiKey: string;
  temperature: number;
  /** Sent as max_completion_tokens on every call: each call reserves this many output tokens of the TPM budget. */
  maxCompletionTokens: number;
  /** The fetch the OpenAI SDK uses: metering, and admission control when it is on. */
  fetch: typeof fetch;
  /**
   * LangChain's own retries (AsyncCaller). `undefined` keeps LangChain's default (6), which is
   * what the seed's architecture had; 0 when the layer below owns retries.
   */
  maxRetries: number | undefined;
  /** The SDK's timeout of one request. */
  timeoutMs: number;
}

export interface LlmClient {
  readonly chatModel: ChatModelSettings;
  /** Real ms within which a message should be answered (admission sheds beyond it). */
  readonly messageDeadlineMs: number;
  /** Throws 503 OVERLOADED (with Retry-After) when a new message would be shed anyway; no-op with admission off. */
  preflight(customerId: string, deadlineAt: number): void;
  stats(): AdmissionStats;
  close(): Promise<void>;
}

export interface LlmClientOptions {
  model: string;
  baseURL: string;
  apiKey: string;
  temperature: number;
  /** Real ms a whole run may take: the SDK's timeout when the layer below times each attempt. */
  runTimeoutMs: number;
}

/**
 * The LLM boundary: admission control (or, `--admission off`, the seed's LangChain retries)
 * over a metered fetch, and the chat-model settings that go with it. Who retries decides the
 * rest: admission on, the gate owns retries and LangChain's are off; admission off, LangChain's
 * defaults, ported onto the scaled clock when the time scale is not 1 so that the comparison
 * with admission on is not distorted. `--off-profile openai-python` puts the OpenAI Python
 * client's defaults there instead (the seed system's client).
 */
export function createLlmClient(options: LlmClientOptions, settings: AdmissionSettings, deps: Omit<AdmissionDeps, 'provider'> = {}): LlmClient {
  const provider = { baseURL: options.baseURL, apiKey: options.apiKey };
  const admission = createAdmission(settings, { fetch: createMeteredFetch(fetch, deps.observer), ...deps, provider });
  const admissionOn = settings.admission === 'on';
  const pythonOff = !admissionOn && settings.offProfile === 'openai-python';
  // LangChain.js retries itself at F = 1; the Python client's retries always live below it.
  const scaledOff = !admissionOn && (settings.timeScale !== 1 || pythonOff);
  const attemptMs = pythonOff ? llmAttemptTimeoutMs({ ...settings, llmTimeoutMs: OPENAI_PYTHON_TIMEOUT_MS }) : llmAttemptTimeoutMs(settings);
  const retriesBelow = admissionOn || scaledOff;
  const retryOptions = { timeScale: settings.timeScale, attemptTimeoutMs: attemptMs, ...(deps.clock ? { clock: deps.clock } : {}) };
  return {
    chatModel: {
      model: options.model,
      baseURL: options.baseURL,
      apiKey: options.apiKey,
      temperature: options.temperature,
      maxCompletionTokens: settings.maxCompletionTokens,
      fetch: pythonOff ? createOpenAiPythonRetryFetch(admission.fetch, retryOptions) : scaledOff ? createLangChainDefaultRetryFetch(admission.fetch, retryOptions) : admission.fetch,
      maxRetries: retriesBelow ? 0 : undefined,
      // When retries happen below the SDK, its timeout would also cut queueing and backoff;
      // the layer below times each attempt instead.
      timeoutMs: retriesBelow ? options.runTimeoutMs : attemptMs,
    },
    messageDeadlineMs: messageDeadlineMs(settings),
    preflight: admission.preflight,
    stats: admission.stats,
    close: admission.close,
  };
}
