import { Module } from '@nestjs/common';
import { TenantStore } from '../../application/tenant-store.port';
import { PrismaService } from './prisma.service';
import { PrismaTenantStore } from './prisma-tenant-store';

/** The application's persistence port, implemented with Prisma on PostgreSQL. */
@Module({
  providers: [PrismaService, { provide: TenantStore, useClass: PrismaTenantStore }],
  exports: [PrismaService, TenantStore],
})
export class PersistenceModule {}
