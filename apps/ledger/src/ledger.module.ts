import { Module } from '@nestjs/common';
import { HealthModule, postgresCheck } from '@meridian/health';
import { PersistenceModule } from './infrastructure/persistence/persistence.module';
import { PrismaService } from './infrastructure/persistence/prisma.service';

@Module({
  imports: [
    PersistenceModule,
    HealthModule.forRoot({
      imports: [PersistenceModule],
      readinessChecks: {
        inject: [PrismaService],
        useFactory: (prisma: PrismaService) => [postgresCheck(() => prisma.$queryRaw`SELECT 1`)],
      },
    }),
  ],
})
export class LedgerModule {}
