/**
 * The Environment kind's tables (`weft_migrations_environment`). Add a migration as a
 * new file `migrations/<dialect>/NNNN_<name>.ts` and list it here; never edit an applied one.
 */
import { Migrations } from "@weft/resource"
import create_environments_pg from "./migrations/pg/0001_create_environments.js"
import keys_collate_c_pg from "./migrations/pg/0002_keys_collate_c.js"
import create_environments_labels_pg from "./migrations/pg/0003_create_environments_labels.js"
import create_environments from "./migrations/sqlite/0001_create_environments.js"
import create_environments_labels from "./migrations/sqlite/0003_create_environments_labels.js"

export const EnvironmentMigrations = Migrations.make("environment", {
  sqlite: {
    "0001_create_environments": create_environments,
    "0003_create_environments_labels": create_environments_labels
  },
  pg: {
    "0001_create_environments": create_environments_pg,
    "0002_keys_collate_c": keys_collate_c_pg,
    "0003_create_environments_labels": create_environments_labels_pg
  }
})
