import type { SimTool } from '../chat-request.js';
import { argRole, properties, requiredNames } from './tool-kinds.js';
import type { ServiceRef } from './tool-results.js';

/** Values the brain wants to pass; each tool takes the ones its schema asks for. */
export interface ArgValues {
  service?: ServiceRef | undefined;
  date?: string | undefined;
  time?: string | undefined;
  code?: string | undefined;
  customerName?: string | undefined;
  notes?: string | undefined;
}

/**
 * Build a tool's arguments from its JSON schema: every property is classified by role
 * (service, date, time, code, ...) and given the matching value in the schema's type and
 * enum; optional properties without a value are left out, required ones get a safe default,
 * so the result validates against the schema (including `additionalProperties: false`).
 */
export function buildArguments(tool: SimTool, values: ArgValues): Record<string, unknown> {
  return buildObject(tool.parameters, values);
}

function buildObject(schema: Record<string, unknown>, values: ArgValues): Record<string, unknown> {
  const props = properties(schema);
  const required = new Set(requiredNames(schema));
  const out: Record<string, unknown> = {};
  for (const [name, prop] of Object.entries(props)) {
    const value = valueFor(name, prop, values);
    if (value !== undefined) out[name] = value;
    else if (required.has(name)) out[name] = defaultFor(name, prop, values);
  }
  return out;
}

function valueFor(name: string, prop: Record<string, unknown>, values: ArgValues): unknown {
  const role = argRole(name, prop);
  let raw: string | undefined;
  switch (role) {
    case 'service':
      raw = serviceValue(name, prop, values.service);
      break;
    case 'date':
      raw = values.date;
      break;
    case 'time':
      raw = values.time;
      break;
    case 'datetime':
      // JSON Schema's `date-time` format requires an offset; without one the local time is meant.
      raw = values.date && values.time ? `${values.date}T${values.time}:00${prop.format === 'date-time' ? 'Z' : ''}` : values.date;
      break;
    case 'code':
      raw = values.code;
      break;
    case 'customer_name':
      raw = values.customerName;
      break;
    case 'notes':
      raw = values.notes;
      break;
    default:
      raw = undefined;
  }
  if (raw === undefined) return undefined;
  return coerce(raw, prop);
}

function serviceValue(name: string, prop: Record<string, unknown>, service: ServiceRef | undefined): string | undefined {
  if (!service) return undefined;
  const description = typeof prop.description === 'string' ? prop.description.toLowerCase() : '';
  const wantsName = /name/.test(name.toLowerCase()) || (/\bname\b/.test(description) && !/\bid\b/.test(description));
  return wantsName ? service.name : (service.id ?? service.name);
}

/** Fit a string value to the property's type and enum. */
function coerce(raw: string, prop: Record<string, unknown>): unknown {
  if (Array.isArray(prop.enum) && prop.enum.length > 0) return closestEnum(raw, prop.enum);
  const type = Array.isArray(prop.type) ? (prop.type.find((t) => t !== 'null') as string | undefined) : (prop.type as string | undefined);
  if (type === 'integer' || type === 'number') {
    const n = Number(raw);
    return Number.isFinite(n) ? (type === 'integer' ? Math.round(n) : n) : undefined;
  }
  if (type === 'boolean') return raw === 'true';
  return raw;
}

function closestEnum(raw: string, options: unknown[]): unknown {
  const target = raw.toLowerCase();
  const exact = options.find((o) => String(o).toLowerCase() === target);
  if (exact !== undefined) return exact;
  let best = options[0];
  let bestScore = -1;
  const words = new Set(target.split(/[^a-z0-9]+/));
  for (const option of options) {
    const score = String(option)
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((w) => words.has(w)).length;
    if (score > bestScore) {
      best = option;
      bestScore = score;
    }
  }
  return best;
}

function defaultFor(name: string, prop: Record<string, unknown>, values: ArgValues): unknown {
  if (Array.isArray(prop.enum) && prop.enum.length > 0) return prop.enum[0];
  if (prop.default !== undefined) return prop.default;
  const type = Array.isArray(prop.type) ? (prop.type.find((t) => t !== 'null') as string | undefined) : (prop.type as string | undefined);
  switch (type) {
    case 'integer':
    case 'number':
      return typeof prop.minimum === 'number' ? prop.minimum : 1;
    case 'boolean':
      return false;
    case 'array':
      return [];
    case 'object':
      return buildObject(prop, values);
    default: {
      const role = argRole(name, prop);
      if (role === 'customer_name') return 'Guest';
      if (role === 'email') return 'guest@example.com';
      if (role === 'phone') return '+1 555 0100';
      return 'n/a';
    }
  }
}
