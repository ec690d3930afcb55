import type { NewObligation } from '../domain/obligation';

/** Persistence of obligations (port); implemented with Prisma in infrastructure/persistence. */
export abstract class ObligationStore {
  /**
   * Inserts, in one statement, the obligations whose event ids are new;
   * returns the event ids it inserted (an id already stored is left as it is).
   */
  abstract insertNew(obligations: readonly NewObligation[]): Promise<Set<string>>;
}
