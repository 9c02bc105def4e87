import { z } from 'zod';

/**
 * OpenAI's Responses API request (`POST /v1/responses`), as clients send it.
 * Fields Switchyard translates are checked, and a wrong one is a 400 that
 * names it; top-level fields it does not translate are kept as sent (see
 * `parseResponsesRequest`). Optional fields accept `null` as "not set".
 */

const optional = <T extends z.ZodType>(schema: T) => schema.nullish();

const inputText = z.object({ type: z.literal('input_text'), text: z.string() });
const inputImage = z.object({
  type: z.literal('input_image'),
  image_url: optional(z.string().min(1)),
  file_id: optional(z.string()),
  detail: optional(z.enum(['auto', 'low', 'high'])),
});
const inputFile = z.object({
  type: z.literal('input_file'),
  file_id: optional(z.string()),
  file_data: optional(z.string()),
  filename: optional(z.string()),
});
const outputText = z.object({ type: z.literal('output_text'), text: z.string(), annotations: optional(z.array(z.unknown())) });
const refusal = z.object({ type: z.literal('refusal'), refusal: z.string() });

const contentPart = z.discriminatedUnion('type', [inputText, inputImage, inputFile, outputText, refusal]);

export const messageItemSchema = z.object({
  type: z.literal('message').optional(),
  id: optional(z.string()),
  role: z.enum(['user', 'assistant', 'system', 'developer']),
  content: z.union([z.string(), z.array(contentPart)]),
  status: optional(z.string()),
});

const functionCallItem = z.object({
  type: z.literal('function_call'),
  id: optional(z.string()),
  call_id: z.string().min(1),
  name: z.string().min(1),
  arguments: z.string(),
  status: optional(z.string()),
});

const functionCallOutputItem = z.object({
  type: z.literal('function_call_output'),
  id: optional(z.string()),
  call_id: z.string().min(1),
  output: z.union([z.string(), z.array(z.union([inputText, inputImage, inputFile]))]),
  status: optional(z.string()),
});

const reasoningItem = z.object({
  type: z.literal('reasoning'),
  id: optional(z.string()),
  summary: z.array(z.object({ type: z.literal('summary_text'), text: z.string() })),
  content: optional(z.array(z.object({ type: z.literal('reasoning_text'), text: z.string() }))),
  encrypted_content: optional(z.string()),
});

/** Any other item type (`file_search_call`, `computer_call`, ...): named in a 400, not translated. */
const otherItem = z.object({ type: z.string() }).loose();

export const inputItemSchema = z.union([messageItemSchema, functionCallItem, functionCallOutputItem, reasoningItem, otherItem]);

const functionTool = z.object({
  type: z.literal('function'),
  name: z.string().min(1),
  description: optional(z.string()),
  parameters: optional(z.record(z.string(), z.unknown())),
  strict: optional(z.boolean()),
});
const otherTool = z.object({ type: z.string() }).loose();

const toolChoice = z.union([
  z.enum(['auto', 'none', 'required']),
  z.object({ type: z.literal('function'), name: z.string().min(1) }),
  z.object({ type: z.string() }).loose(),
]);

const textFormat = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    name: z.string().min(1),
    description: optional(z.string()),
    schema: z.record(z.string(), z.unknown()),
    strict: optional(z.boolean()),
  }),
]);

export const responsesRequestSchema = z.object({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(inputItemSchema)]),
  instructions: optional(z.string()),
  previous_response_id: optional(z.string().min(1)),
  store: optional(z.boolean()),
  stream: optional(z.boolean()),
  tools: optional(z.array(z.union([functionTool, otherTool]))),
  tool_choice: optional(toolChoice),
  parallel_tool_calls: optional(z.boolean()),
  text: optional(z.object({ format: optional(textFormat), verbosity: optional(z.string()) })),
  max_output_tokens: optional(z.number().int().positive()),
  temperature: optional(z.number().min(0).max(2)),
  top_p: optional(z.number().min(0).max(1)),
  reasoning: optional(z.object({ effort: optional(z.enum(['minimal', 'low', 'medium', 'high'])), summary: optional(z.string()) })),
  metadata: optional(z.record(z.string(), z.string())),
  user: optional(z.string()),
});

export type ResponsesRequestBody = z.infer<typeof responsesRequestSchema>;
export type ResponsesInputItem = z.infer<typeof inputItemSchema>;

/** The fields translated to the canonical request (or handled by the gateway); the rest are kept as sent. */
export const MAPPED_FIELDS: ReadonlySet<string> = new Set(Object.keys(responsesRequestSchema.shape));
