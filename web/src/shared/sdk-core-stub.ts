/**
 * Stands in for `@langchain/core/messages` and `@langchain/core/utils/uuid` in the browser
 * bundles (see web/build/build-web.ts). Only the SDK's newer thread-stream protocol reaches
 * these names; the pages never call it. If one ever does, it fails loudly here.
 */
function unavailable(name: string): never {
  throw new Error(`${name} from @langchain/core is not part of this page's bundle`);
}

class Unavailable {
  constructor() {
    unavailable(new.target.name);
  }
}

export class AIMessage extends Unavailable {}
export class AIMessageChunk extends Unavailable {}
export class BaseMessageChunk extends Unavailable {}
export class HumanMessage extends Unavailable {}
export class HumanMessageChunk extends Unavailable {}
export class SystemMessage extends Unavailable {}
export class SystemMessageChunk extends Unavailable {}
export class ToolMessage extends Unavailable {}
export class ToolMessageChunk extends Unavailable {}
export class RemoveMessage extends Unavailable {}
export const coerceMessageLikeToMessage = (): never => unavailable('coerceMessageLikeToMessage');
export const convertToChunk = (): never => unavailable('convertToChunk');
export const v7 = (): never => unavailable('v7');
