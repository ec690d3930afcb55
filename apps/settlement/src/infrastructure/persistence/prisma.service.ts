import { prismaServiceFor } from '@meridian/database';
import { PrismaClient } from '../../generated/prisma/client';
import { PRISMA_DIR, SERVICE_NAME } from '../../service-info';

/** The settlement service's Prisma Client, tied into startup (migrations check) and shutdown. */
export class PrismaService extends prismaServiceFor(PrismaClient, {
  name: SERVICE_NAME,
  prismaDir: PRISMA_DIR,
}) {}
