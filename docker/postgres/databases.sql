-- Each service owns its database (docker/compose.yaml runs this once, on an empty volume).
CREATE DATABASE ledger;
CREATE DATABASE api;
CREATE DATABASE settlement;
