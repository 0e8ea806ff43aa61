import { Tiktoken } from 'js-tiktoken/lite';
import o200kBase from 'js-tiktoken/ranks/o200k_base';

/**
 * What the provider and its clients must agree on to count a gpt-4o(-mini) prompt: the
 * o200k_base encoding, and the way tool definitions are rendered into the system prompt.
 * The simulator counts with it (as the provider) and the admission gate estimates with it
 * (as the client), so the two never drift apart.
 */

let sharedEncoder: Tiktoken | undefined;

/** The o200k_base encoder: built once per process, since loading its ranks takes about half a second. */
export function o200kEncoder(): Tiktoken {
  sharedEncoder ??= new Tiktoken(o200kBase);
  return sharedEncoder;
}

/** The o200k_base pre-tokeniser pattern, for callers that split text themselves. */
export const O200K_PATTERN_SOURCE: string = o200kBase.pat_str;

export interface PromptTool {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

/** Tool definitions as OpenAI renders them into the system prompt (a TypeScript namespace), closely enough to count. */
export function renderTools(tools: readonly PromptTool[]): string {
  const lines = ['# Tools', '', '## functions', '', 'namespace functions {', ''];
  for (const tool of tools) {
    if (tool.description) lines.push(`// ${tool.description}`);
    const props = (tool.parameters.properties ?? {}) as Record<string, Record<string, unknown>>;
    const required = new Set(Array.isArray(tool.parameters.required) ? (tool.parameters.required as string[]) : []);
    const names = Object.keys(props);
    if (names.length === 0) {
      lines.push(`type ${tool.name} = () => any;`, '');
      continue;
    }
    lines.push(`type ${tool.name} = (_: {`);
    for (const name of names) {
      const prop = props[name] ?? {};
      if (typeof prop.description === 'string') lines.push(`// ${prop.description}`);
      lines.push(`${name}${required.has(name) ? '' : '?'}: ${renderType(prop)},`);
    }
    lines.push('}) => any;', '');
  }
  lines.push('} // namespace functions');
  return lines.join('\n');
}

function renderType(schema: Record<string, unknown>): string {
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  switch (schema.type) {
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'array':
      return `${renderType((schema.items ?? {}) as Record<string, unknown>)}[]`;
    case 'string':
      return 'string';
    case 'object':
      return 'object';
    default:
      return 'any';
  }
}
