import { defineConfig } from 'prisma/config';

// Used by `prisma generate` (and the Prisma CLI, where it can run). Migrations
// are applied by `npm run db:migrate`, which needs no native engine.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost/settlement' },
});
