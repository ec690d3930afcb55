-- Written by `npm run generate` from the services registry (`services:` in
-- deploy/helm/meridian/values.yaml):
-- edit those, not this file.

-- Each service owns its database (docker/compose.yaml runs this once, on an empty volume).
CREATE DATABASE ledger;
CREATE DATABASE api;
CREATE DATABASE settlement;
