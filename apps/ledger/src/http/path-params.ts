import { CallerParam, ValidParam } from '@meridian/bootstrap';
import { perCaller } from './caller-rules';
import { identifier } from './validation';

const callerIds = perCaller((rules) => rules.ids);

/** The tenant named in the path (`:tenantId`); every query of the request is scoped by it. */
export const TenantParam = (): ParameterDecorator => ValidParam('tenantId', identifier);

/** An account or transfer id from the path, in the identifiers the caller may use. */
export const IdParam = (name: string): ParameterDecorator => CallerParam(name, callerIds);
