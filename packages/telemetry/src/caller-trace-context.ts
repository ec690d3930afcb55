import {
  type Context,
  createContextKey,
  propagation,
  ROOT_CONTEXT,
  type SpanContext,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { Span, SpanProcessor } from '@opentelemetry/sdk-trace';

/** Where an untrusted caller's span context waits for the span that will link to it. */
const CALLER_SPAN_CONTEXT = createContextKey('meridian.untrusted-caller-span-context');

/**
 * The propagator of a service the internet calls (TRACE_CONTEXT_TRUSTED=false).
 * An incoming traceparent never becomes a parent: a caller could otherwise
 * write into our traces, pick their ids and force sampling. It is kept aside
 * for `CallerLinkProcessor` instead, and incoming baggage is dropped. Outgoing
 * calls carry our own context through `outgoing`, as with a trusted caller.
 */
export class UntrustedCallerPropagator implements TextMapPropagator {
  readonly #traceContext = new W3CTraceContextPropagator();

  constructor(private readonly outgoing: TextMapPropagator) {}

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    this.outgoing.inject(context, carrier, setter);
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const caller = trace.getSpanContext(this.#traceContext.extract(ROOT_CONTEXT, carrier, getter));
    return caller ? context.setValue(CALLER_SPAN_CONTEXT, caller) : context;
  }

  fields(): string[] {
    return this.outgoing.fields();
  }
}

/**
 * Links the first span of an untrusted request (the one without a parent:
 * the HTTP server span) to the caller's span, so the caller's trace can still
 * be found from ours. Its children share the context but have a parent, and
 * get no link.
 */
export class CallerLinkProcessor implements SpanProcessor {
  onStart(span: Span, parentContext: Context): void {
    const caller = parentContext.getValue(CALLER_SPAN_CONTEXT) as SpanContext | undefined;
    if (caller && !trace.getSpan(parentContext)) span.addLink({ context: caller });
  }

  onEnd(): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** What a request handler sees of trace context: its trace id and the baggage in force. */
export function activeTraceContext(): { traceId: string | undefined; baggage: Record<string, string> } {
  const entries = propagation.getActiveBaggage()?.getAllEntries() ?? [];
  return {
    traceId: trace.getActiveSpan()?.spanContext().traceId,
    baggage: Object.fromEntries(entries.map(([key, entry]) => [key, entry.value])),
  };
}
