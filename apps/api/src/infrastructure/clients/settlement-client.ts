import { Injectable } from '@nestjs/common';
import type { ApiConfig } from '@meridian/config';
import { InjectConfig } from '@meridian/config/nest';
import { ServiceClient } from '@meridian/ledger-client';
import { InjectLogger, type Logger } from '@meridian/telemetry';

/** The settlement service's internal API, with the same resilience as ledger calls. */
@Injectable()
export class SettlementClient extends ServiceClient {
  constructor(@InjectConfig() config: ApiConfig, @InjectLogger() logger: Logger) {
    super(
      { name: 'settlement', baseUrl: config.SETTLEMENT_URL, token: config.SETTLEMENT_TOKEN },
      config,
      logger,
    );
  }
}
