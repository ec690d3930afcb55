/**
 * Examples of the OpenAPI document: one request and one answer per
 * operation, and one body per problem type. The lint of the document checks
 * each against its schema (`no-invalid-media-type-examples`), so they cannot
 * drift from the contract.
 */

const createdAt = '2026-11-30T09:15:02.118Z';

export const accountExample = {
  tenantId: 'acme',
  id: 'wallet',
  currency: 'EUR',
  code: 0,
  metadata: { owner: 'customer-1042' },
  flags: {
    debitsMustNotExceedCredits: true,
    creditsMustNotExceedDebits: false,
    acceptsExternalCredits: false,
  },
  balances: { debitsPending: '0', debitsPosted: '2500', creditsPending: '0', creditsPosted: '10000' },
  createdAt,
};

export const transferExample = {
  tenantId: 'acme',
  id: 'order-7731',
  debitAccountId: 'wallet',
  creditTenantId: 'acme',
  creditAccountId: 'shop',
  amount: '2500',
  currency: 'EUR',
  code: 0,
  metadata: { order: '7731' },
  flags: { pending: false, postPending: false, voidPending: false, linked: false },
  createdAt,
};

const pendingExample = {
  ...transferExample,
  id: 'hold-7732',
  amount: '4000',
  flags: { ...transferExample.flags, pending: true },
  timeoutSeconds: 3600,
};

export const postedExample = {
  ...transferExample,
  id: 'capture-7732',
  amount: '3500',
  metadata: {},
  flags: { ...transferExample.flags, postPending: true },
  pendingId: 'hold-7732',
};

export const voidedExample = {
  ...transferExample,
  id: 'release-7732',
  amount: '4000',
  metadata: {},
  flags: { ...transferExample.flags, voidPending: true },
  pendingId: 'hold-7732',
};

export const requestExamples = {
  createAccount: {
    id: 'wallet',
    currency: 'EUR',
    metadata: { owner: 'customer-1042' },
    flags: { debitsMustNotExceedCredits: true },
  },
  createTransfer: {
    id: 'order-7731',
    debitAccountId: 'wallet',
    creditAccountId: 'shop',
    amount: '2500',
    currency: 'EUR',
    metadata: { order: '7731' },
  },
  createTransferBatch: {
    transfers: [
      {
        id: 'order-7731',
        debitAccountId: 'wallet',
        creditAccountId: 'shop',
        amount: '2500',
        currency: 'EUR',
      },
      {
        id: 'fee-7731',
        debitAccountId: 'wallet',
        creditAccountId: 'fees',
        amount: '25',
        currency: 'EUR',
        linked: false,
      },
    ],
  },
  postPendingTransfer: { id: 'capture-7732', amount: '3500' },
  voidPendingTransfer: { id: 'release-7732' },
};

export const batchResultsExample = {
  results: [
    { index: 0, id: 'order-7731', result: 'created', transfer: transferExample },
    { index: 1, id: 'fee-7731', result: 'exceeds_credits' },
  ],
};

export const accountPageExample = { data: [accountExample], nextCursor: 'czE0' };

export const transferPageExample = { data: [pendingExample, transferExample], nextCursor: null };

const batch = {
  id: '5b0e4c1e-2f7a-4d37-9a55-3f1c2a9e8b10',
  state: 'completed',
  cutoffAt: '2026-11-30T16:00:00.000Z',
  completedAt: '2026-11-30T16:00:04.350Z',
};

export const settlementListExample = { data: [batch] };

export const settlementBatchExample = {
  ...batch,
  obligationCount: 2,
  positions: [{ tenantId: 'acme', currency: 'EUR', net: '-2500' }],
  instructions: [
    {
      payerTenantId: 'acme',
      payeeTenantId: 'globex',
      currency: 'EUR',
      part: 0,
      amount: '2500',
      transferId: 'settle-5b0e4c1e-acme-globex-EUR-0',
      state: 'posted',
      reason: null,
      postedAt: '2026-11-30T16:00:04.350Z',
    },
  ],
};
