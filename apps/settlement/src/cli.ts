// `node apps/settlement/dist/cli.js` (or `npm run instructions -w @meridian/settlement --`):
// operate settlement instructions from a shell, with the database alone (no
// ledger credentials), e.g. in a Job or when the HTTP API is out of reach:
//
//   instructions list [pending|posted|cancelled]   oldest first, as JSON
//   instructions redrive <id>                      attempt it now (the service's retry loop does)
//   instructions cancel <id> <reason>              it never posts; the service fences its transfer id
//
// <id> is an instruction's id or its current transfer id. redrive and cancel
// wait up to CLI_WAIT_SECONDS (default 30) for the running service to carry
// the request out, then print the instruction. Exit codes: 0 done (posted;
// cancelled), 1 not done (still pending after the attempt; cancel refused
// because it is posted; not found), 64 bad usage, 75 not carried out in time
// (is the settlement service running?), 78 bad configuration.
import { setTimeout as sleep } from 'node:timers/promises';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { parseOrThrow } from '@meridian/bootstrap';
import { loadConfigOrExit } from '@meridian/config';
import { migrationConfigSchema } from '@meridian/database/migration-config';
import { ConfigModule } from '@meridian/config/nest';
import { LifecycleModule, ShutdownHooks } from '@meridian/health';
import { createLogger, PinoNestLogger, ServiceMetrics, TelemetryModule } from '@meridian/telemetry';
import type { SettlementConfig } from './config';
import { OperatorRequests, type RequestResult } from './application/operator-requests';
import type { Instruction } from './domain/instruction';
import { cancelRequest, instructionRef, instructionsQuery } from './http/instruction-requests';
import { operatorInstruction, SettlementViews } from './http/settlement-views';
import { PersistenceModule } from './infrastructure/persistence/persistence.module';

const USAGE = `usage:
  instructions list [pending|posted|cancelled]
  instructions redrive <instruction-id | transfer-id>
  instructions cancel <instruction-id | transfer-id> <reason>`;

const EXIT = { done: 0, notDone: 1, usage: 64, timeout: 75 } as const;

async function main(argv: string[]): Promise<number> {
  // The command needs the database only (the same variables as the migration command).
  const { DATABASE_URL, LOG_LEVEL } = loadConfigOrExit('settlement-cli', migrationConfigSchema);
  const config: Pick<SettlementConfig, 'DATABASE_URL' | 'DATABASE_POOL_MAX'> = {
    DATABASE_URL,
    DATABASE_POOL_MAX: 2,
  };
  const waitSeconds = Number(process.env.CLI_WAIT_SECONDS ?? 30);
  // Logs go to stderr: stdout is the command's output (JSON).
  const logger = createLogger({ service: 'settlement-cli', version: '0', level: LOG_LEVEL, fd: 2 });

  @Module({
    imports: [
      ConfigModule.forRoot(config),
      LifecycleModule,
      TelemetryModule.forRoot({ logger, metrics: new ServiceMetrics({ service: 'settlement-cli' }) }),
      PersistenceModule,
    ],
    providers: [SettlementViews, OperatorRequests],
  })
  class CliModule {}

  const app = await NestFactory.createApplicationContext(CliModule, { logger: new PinoNestLogger(logger) });
  const views = app.get(SettlementViews);
  const requests = app.get(OperatorRequests);
  const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  const fail = (message: string, code: number = EXIT.notDone) => {
    process.stderr.write(`${message}\n`);
    return code;
  };
  /** Waits until `done` holds for the instruction (as the service carries the request out), or the time is up. */
  const waitFor = async (id: string, done: (i: Instruction) => boolean) => {
    const deadline = Date.now() + waitSeconds * 1000;
    for (;;) {
      const instruction = (await requests.find(id))!;
      if (done(instruction) || Date.now() >= deadline) return { instruction, done: done(instruction) };
      await sleep(250);
    }
  };
  try {
    const [noun, verb, ...args] = argv;
    if (noun !== 'instructions') return fail(USAGE, EXIT.usage);
    if (verb === 'list' && args.length <= 1) {
      print(await views.instructions(parseOrThrow(instructionsQuery, { state: args[0] ?? 'pending' })));
      return EXIT.done;
    }
    if (verb === 'redrive' && args.length === 1) {
      const id = parseOrThrow(instructionRef, args[0], 'id');
      const requested = await requests.scheduleNow(id);
      const refused = refusal(requested, 'redrive');
      if (refused) return refused;
      const before = (requested as { instruction: Instruction }).instruction;
      const after = await waitFor(
        before.id,
        (i) =>
          i.state !== 'pending' || (i.lastAttemptAt?.getTime() ?? 0) > (before.lastAttemptAt?.getTime() ?? 0),
      );
      print(operatorInstruction(after.instruction));
      if (!after.done) return fail('not attempted in time: is the settlement service running?', EXIT.timeout);
      return after.instruction.state === 'posted'
        ? EXIT.done
        : fail(`attempted, not posted: ${after.instruction.lastError ?? 'unknown reason'}`);
    }
    if (verb === 'cancel' && args.length === 2) {
      const id = parseOrThrow(instructionRef, args[0], 'id');
      const { reason } = parseOrThrow(cancelRequest, { reason: args[1] });
      const requested = await requests.requestCancel(id, reason);
      const refused = refusal(requested, 'cancel');
      if (refused) return refused;
      const after = await waitFor(
        (requested as { instruction: Instruction }).instruction.id,
        (i) => i.state !== 'pending',
      );
      print(operatorInstruction(after.instruction));
      if (!after.done)
        return fail(
          'cancellation recorded (it is never attempted again) but not yet confirmed: the settlement service fences its transfer id in the ledger when it runs',
          EXIT.timeout,
        );
      return after.instruction.state === 'cancelled'
        ? EXIT.done
        : fail('refused: the ledger had posted the instruction');
    }
    return fail(USAGE, EXIT.usage);
  } catch (error) {
    const problem = (error as { problem?: { detail?: string } }).problem;
    return fail(problem?.detail ?? (error as Error).message);
  } finally {
    await app.get(ShutdownHooks).close(() => undefined);
    await app.close();
  }

  /** An exit code when the request cannot be carried out at all, after saying why. */
  function refusal(result: RequestResult, action: 'redrive' | 'cancel'): number | null {
    if (result.kind === 'not-found') return fail('no instruction has this id or transfer id');
    if (result.kind === 'posted') {
      print(operatorInstruction(result.instruction));
      return fail(
        `refused: the instruction is posted; it cannot be ${action === 'cancel' ? 'cancelled' : 're-driven'}`,
      );
    }
    if (
      result.kind === 'cancelled' ||
      (action === 'redrive' && result.instruction.cancelRequestedAt !== null)
    ) {
      print(operatorInstruction(result.instruction));
      return action === 'cancel'
        ? EXIT.done
        : fail('refused: the instruction is cancelled (or being cancelled)');
    }
    return null;
  }
}

void main(process.argv.slice(2)).then((code) => process.exit(code));
