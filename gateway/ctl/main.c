/*
 * gatewayctl: the operator's command line for the gateway's database: schema migrations, master
 * keys, portals, data sources, personal access tokens, the audit log and support staff accounts.
 */
#include <stdlib.h>
#include <string.h>
#include "ctl.h"

#define GLOBAL_OPTIONS                                                                                                             \
    "\nGlobal options (also from the environment):\n"                                                                              \
    "  --database CONNINFO      libpq connection string or URI (GATEWAY_DATABASE_URL; default: libpq's own,\n"                     \
    "                           PGHOST, PGDATABASE, ...)\n"                                                                        \
    "  --master-key-file FILE   master keys, one <id>:<64 hex> per line (GATEWAY_MASTER_KEY_FILE, or the keys\n"                   \
    "                           themselves in GATEWAY_MASTER_KEY)\n"

static const char usage_main[] =
    "Usage: gatewayctl [global options] <command> [options]\n"
    "\n"
    "Commands:\n"
    "  migrate                  apply the pending schema migrations\n"
    "  db grant                 let a role run gateways without owning the schema (the audit log: read only)\n"
    "  keys generate            make a new master key line\n"
    "  keys rotate              re-seal every refresh token with the newest master key\n"
    "  portal add               install a portal, or replace its refresh token\n"
    "  portal list              list the installed portals\n"
    "  portal remove            uninstall a portal: revoke its grant at HubSpot, delete all it has\n"
    "  datasource create        create a data source\n"
    "  datasource list          list the data sources of a portal\n"
    "  datasource show          print the definition of a data source\n"
    "  token mint               mint a personal access token (shown once)\n"
    "  token list               list the personal access tokens of a portal\n"
    "  token revoke             revoke a personal access token\n"
    "  launch                   print a one-time link that opens the admin UI as a portal's user\n"
    "  audit verify             check the audit log's hash chains for altered, moved or removed rows\n"
    "  audit prune              remove the audit rows older than their portal's retention\n"
    "  audit retention          set how many days a portal's audit log is kept\n"
    "  staff add                create a support staff account (TOTP secret shown once), or reset one\n"
    "  staff list               list the support staff accounts\n"
    "  staff disable            disable a support staff account and end its sessions\n"
    "  staff totp               print the current TOTP code of a base32 secret (for checks and tests)\n"
    "\n"
    "'gatewayctl <command> --help' describes a command. Exit status: 0 success, 1 error, 2 usage error.\n" GLOBAL_OPTIONS;

static const gw_ctl_cmd_t commands[] = {
    {"migrate",
     "Usage: gatewayctl migrate\n"
     "\n"
     "Applies the schema migrations built into gatewayctl that the database has not applied yet, each in\n"
     "its own transaction, under an advisory lock. Running it again is harmless.\n" GLOBAL_OPTIONS,
     gw_ctl_cmd_migrate},
    {"db grant",
     "Usage: gatewayctl db grant --role ROLE\n"
     "\n"
     "Gives an existing PostgreSQL role what running gateways need, so that they need not connect as the\n"
     "schema's owner: it may read and change the gateway's tables, use its sequences and run its\n"
     "functions, and only read the audit log. Audit rows are appended and pruned through functions that\n"
     "run with the owner's rights, so that role can never alter or remove one. Run it as the owner, and\n"
     "again after 'migrate' adds tables. Gateways running as that role find the schema up to date and\n"
     "migrate nothing: run 'migrate' as the owner first.\n"
     "\n"
     "  --role ROLE              the role the gateways connect as\n" GLOBAL_OPTIONS,
     gw_ctl_cmd_db_grant},
    {"keys generate",
     "Usage: gatewayctl keys generate [--out FILE]\n"
     "\n"
     "Makes a new random AES-256 master key line '<id>:<64 hex digits>', its id one above the newest key.\n"
     "Without --out the line is printed (the next id follows the configured keys, if any); with --out it\n"
     "is appended to FILE (created with mode 0600; its keys decide the id) and not printed. New\n"
     "refresh tokens are sealed with the newest key; keep the older keys to open the existing ones.\n"
     "\n"
     "  --out FILE               append the line to FILE\n" GLOBAL_OPTIONS,
     gw_ctl_cmd_keys_generate},
    {"keys rotate",
     "Usage: gatewayctl keys rotate\n"
     "\n"
     "Re-seals every portal's refresh token with the newest configured master key, in one transaction\n"
     "with the portals locked, and reports how many were re-sealed, already current and undecryptable.\n"
     "A token that the key it names cannot open (a different key with the same id, or damaged data) is\n"
     "left as it is and its portal is marked as needing re-authorisation: an admin of that portal must\n"
     "install the app again (/oauth/install). A token sealed with a key that is not configured is left\n"
     "alone. Either case exits with status 1 and names the portals.\n"
     "\n"
     "A rotation: 'keys generate --out FILE' adds a key to the key file, every gateway gets the new file\n"
     "(they still open tokens sealed with the older keys), 'keys rotate' re-seals, then the old key\n"
     "line can be removed from the file.\n" GLOBAL_OPTIONS,
     gw_ctl_cmd_keys_rotate},
    {"portal add",
     "Usage: gatewayctl portal add --hub-id N --refresh-token TOKEN|- [--hub-domain D] [--scopes a,b]\n"
     "                            [--installed-by USERID]\n"
     "\n"
     "Installs a HubSpot portal, or replaces the refresh token of an installed one. The refresh token is\n"
     "sealed with the newest master key before it is stored. With '--refresh-token -' it is read from\n"
     "standard input (one line; not echoed on a terminal), so it does not show in the process list.\n"
     "Options not given keep their stored values when the portal exists.\n"
     "\n"
     "  --hub-id N               the HubSpot hub (portal) id\n"
     "  --refresh-token TOKEN    the OAuth refresh token, or - to read it from standard input\n"
     "  --hub-domain D           the portal's domain, e.g. example.hubspot.com\n"
     "  --scopes a,b             the granted OAuth scopes, comma-separated\n"
     "  --installed-by USERID    the HubSpot user id of the installer\n" GLOBAL_OPTIONS,
     gw_ctl_cmd_portal_add},
    {"portal list",
     "Usage: gatewayctl portal list [--json]\n"
     "\n"
     "Lists the installed portals (never their refresh tokens).\n"
     "\n"
     "  --json                   print a JSON array instead of a table\n" GLOBAL_OPTIONS,
     gw_ctl_cmd_portal_list},
    {"portal remove",
     "Usage: gatewayctl portal remove --hub-id N [--force] [--hubspot-base-url URL]\n"
     "\n"
     "Uninstalls a portal. Its refresh token is opened and revoked at HubSpot (DELETE\n"
     "/oauth/v1/refresh-tokens/{token}; a token HubSpot no longer knows counts as revoked), then every\n"
     "row of the portal is deleted in one transaction: the rows of every table with a portal_id column\n"
     "(data sources, shares, personal access tokens, admins, ...) and the portal itself. The rows\n"
     "removed are printed per table. Its personal access tokens stop working at once. Its audit log is\n"
     "kept, and records the removal, until its retention ends (see 'audit prune').\n"
     "\n"
     "  --hub-id N               the HubSpot hub (portal) id\n"
     "  --force                  remove even when the token cannot be opened or HubSpot cannot revoke it\n"
     "  --hubspot-base-url URL   HubSpot's API base (GATEWAY_HUBSPOT_BASE_URL, default https://api.hubapi.com)\n" GLOBAL_OPTIONS,
     gw_ctl_cmd_portal_remove},
    {"datasource create",
     "Usage: gatewayctl datasource create --portal N --owner USERID --name NAME\n"
     "                                    (--definition JSON|- | --object OBJECT[:PROP,...] ... [--filter TEXT])\n"
     "\n"
     "Creates a data source and prints its id. The definition is either given whole,\n"
     "  {\"objects\":[{\"object\":\"contacts\",\"properties\":[\"email\",...],\"filter\":null}]}\n"
     "(or read from standard input with '--definition -'), or built from one --object per object: an\n"
     "object without properties offers all of them. Object names match [a-z0-9_-]{1,64}, property names\n"
     "[a-z0-9_]{1,100}.\n"
     "\n"
     "  --portal N               the portal (hub id)\n"
     "  --owner USERID           the HubSpot user id of the owner\n"
     "  --name NAME              a name unique in the portal, 1 to 200 characters\n"
     "  --definition JSON        the whole definition\n"
     "  --object OBJECT[:P,...]  an object and its properties (repeatable)\n"
     "  --filter TEXT            an OData $filter ANDed with every request's (one --object)\n" GLOBAL_OPTIONS,
     gw_ctl_cmd_datasource_create},
    {"datasource list",
     "Usage: gatewayctl datasource list --portal N [--json]\n"
     "\n"
     "Lists the data sources of a portal.\n"
     "\n"
     "  --portal N               the portal (hub id)\n"
     "  --json                   print a JSON array instead of a table\n" GLOBAL_OPTIONS,
     gw_ctl_cmd_datasource_list},
    {"datasource show",
     "Usage: gatewayctl datasource show --id N [--json]\n"
     "\n"
     "Prints the definition JSON of a data source.\n"
     "\n"
     "  --id N                   the data source id\n"
     "  --json                   print the whole record (id, portal, owner, name, times, definition)\n" GLOBAL_OPTIONS,
     gw_ctl_cmd_datasource_show},
    {"token mint",
     "Usage: gatewayctl token mint --portal N --owner USERID --name NAME [--days 90]\n"
     "\n"
     "Mints a personal access token and prints it once, as the lines 'Token: <token>' and\n"
     "'Token id: <id>'. Only its SHA-256 is stored: it cannot be shown again.\n"
     "\n"
     "  --portal N               the portal (hub id)\n"
     "  --owner USERID           the HubSpot user id the token acts for\n"
     "  --name NAME              a label, 1 to 200 characters\n"
     "  --days N                 lifetime in days, 1 to 3650 (default 90)\n" GLOBAL_OPTIONS,
     gw_ctl_cmd_token_mint},
    {"token list",
     "Usage: gatewayctl token list --portal N [--owner USERID] [--json]\n"
     "\n"
     "Lists personal access tokens by their display prefix (never the token itself).\n"
     "\n"
     "  --portal N               the portal (hub id)\n"
     "  --owner USERID           only the tokens of this user\n"
     "  --json                   print a JSON array instead of a table\n" GLOBAL_OPTIONS,
     gw_ctl_cmd_token_list},
    {"token revoke",
     "Usage: gatewayctl token revoke --id N [--by USERID]\n"
     "\n"
     "Revokes a personal access token at once: running gateways are notified and drop it.\n"
     "\n"
     "  --id N                   the token id (see 'token list')\n"
     "  --by USERID              the HubSpot user id recorded as revoking it\n" GLOBAL_OPTIONS,
     gw_ctl_cmd_token_revoke},
    {"launch",
     "Usage: gatewayctl launch --portal N --user USERID [--ttl SECONDS] [--public-url URL]\n"
     "\n"
     "Prints a one-time link that opens the admin UI as HubSpot user USERID of portal N, as HubSpot's app\n"
     "card does for a user in the portal: for the sandbox and for local use. The link works once, within\n"
     "its lifetime; only a hash of its code is stored.\n"
     "\n"
     "  --portal N               the HubSpot hub (portal) id; the portal must be installed\n"
     "  --user USERID            the HubSpot user id\n"
     "  --ttl SECONDS            how long the link may wait to be opened, 1 to 86400 (default 60)\n"
     "  --public-url URL         the gateway's public base URL (GATEWAY_PUBLIC_URL, default "
     "http://127.0.0.1:8080)\n" GLOBAL_OPTIONS,
     gw_ctl_cmd_launch},
    {"audit verify",
     "Usage: gatewayctl audit verify [--portal N]\n"
     "\n"
     "Checks the audit log: each portal's rows form a hash chain (every row holds the hash of the one\n"
     "before it and a hash of its own contents), and every row's hash is recomputed here. Prints a line\n"
     "per portal, 'portal N: R rows from seq A to B intact', or the problems found, each naming the rows:\n"
     "a row altered or moved (its hash does not match its contents), a row that does not follow the one\n"
     "before it (that one was replaced), rows missing inside the chain or at its end, rows outside the\n"
     "chain, rows of a portal without a chain record. Then a summary. The rows are read in one\n"
     "consistent snapshot, in batches, so the gateway may keep writing meanwhile and the log may be\n"
     "of any size.\n"
     "\n"
     "Exit status: 0 when every chain is intact, 1 when a problem was found (or on an error).\n"
     "\n"
     "  --portal N               only the chain of this portal (hub id)\n" GLOBAL_OPTIONS,
     gw_ctl_cmd_audit_verify},
    {"audit prune",
     "Usage: gatewayctl audit prune [--portal N]\n"
     "\n"
     "Removes the oldest audit rows of every portal (or of one) that are older than the portal's retention\n"
     "(90 days unless 'audit retention' set another): the longest run from the start of the chain whose\n"
     "rows are all that old, so that what remains is one unbroken chain. The hash of the last row removed\n"
     "is kept as the chain's new anchor, so 'audit verify' still checks what remains. Prints how many rows\n"
     "were removed. Running gateways do the same about once an hour (see --audit-upkeep).\n"
     "\n"
     "  --portal N               only the log of this portal (hub id)\n" GLOBAL_OPTIONS,
     gw_ctl_cmd_audit_prune},
    {"audit retention",
     "Usage: gatewayctl audit retention --portal N --days DAYS\n"
     "\n"
     "Sets how many days the audit log of a portal is kept before 'audit prune' removes it (90 by\n"
     "default), and prints it. The portal need not be installed: its log outlives an uninstall.\n"
     "\n"
     "  --portal N               the portal (hub id)\n"
     "  --days DAYS              1 to 3650\n" GLOBAL_OPTIONS,
     gw_ctl_cmd_audit_retention},
    {"staff add",
     "Usage: gatewayctl staff add --login LOGIN [--reset]\n"
     "\n"
     "Creates an account for a member of the support staff, who reads portals' audit logs through the\n"
     "staff view and signs in with a password and a TOTP code. The password is read from standard input\n"
     "(one line; not echoed on a terminal, where it is asked twice), 12 to 1024 bytes; only its scrypt\n"
     "hash is stored. A new random TOTP secret is made and stored sealed with the newest master key, and\n"
     "printed once, as the lines 'TOTP secret: <base32>' and 'TOTP URI: otpauth://totp/...' (for an\n"
     "authenticator app; a QR code of the URI does the same): it cannot be shown again.\n"
     "\n"
     "A login that exists is refused, unless --reset is given: then the account gets the new password and\n"
     "a new TOTP secret, its failed logins and lock are cleared and its sessions end. A disabled account\n"
     "stays disabled.\n"
     "\n"
     "  --login LOGIN            1 to 64 characters: a-z, 0-9, '.', '_', '-', starting with a letter or digit\n"
     "  --reset                  replace the password and TOTP secret of an existing account\n" GLOBAL_OPTIONS,
     gw_ctl_cmd_staff_add},
    {"staff list",
     "Usage: gatewayctl staff list [--json]\n"
     "\n"
     "Lists the support staff accounts: login, status (active or disabled), when it was created and\n"
     "disabled, until when it is locked after failed logins, the failed logins in a row, and its sessions\n"
     "not yet expired. Never a password hash or a TOTP secret.\n"
     "\n"
     "  --json                   print a JSON array instead of a table\n" GLOBAL_OPTIONS,
     gw_ctl_cmd_staff_list},
    {"staff disable",
     "Usage: gatewayctl staff disable --login LOGIN\n"
     "\n"
     "Disables a support staff account: it can no longer sign in, and its sessions end at once. Disabling\n"
     "a disabled account keeps its first disabling time and ends any sessions left.\n"
     "\n"
     "  --login LOGIN            the staff login\n" GLOBAL_OPTIONS,
     gw_ctl_cmd_staff_disable},
    {"staff totp",
     "Usage: gatewayctl staff totp --secret BASE32|- [--at UNIXTIME]\n"
     "\n"
     "Prints the 6-digit TOTP code (RFC 6238: HMAC-SHA1, 30-second steps) of a base32 secret at the\n"
     "current time or at UNIXTIME. A helper for checking an authenticator app against the secret that\n"
     "'staff add' printed, and for tests; it reads nothing from the database. With '--secret -' the secret\n"
     "is read from standard input, so it does not show in the process list.\n"
     "\n"
     "  --secret BASE32          the secret as 'staff add' printed it (either case; '=' padding optional)\n"
     "  --at UNIXTIME            the time, in seconds since 1970 (default: now)\n",
     gw_ctl_cmd_staff_totp},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static int is_help(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0 || strcmp(arg, "help") == 0;
}

/* Lists the subcommands of a group ("token") on fp. */
static void print_group(FILE *fp, const char *group)
{
    size_t i, glen = strlen(group);

    fprintf(fp, "Usage: gatewayctl %s <command> [options]\n\nCommands:\n", group);
    for (i = 0; i != NCOMMANDS; ++i)
        if (strncmp(commands[i].name, group, glen) == 0 && commands[i].name[glen] == ' ')
            fprintf(fp, "  gatewayctl %s\n", commands[i].name);
    fprintf(fp, "\n'gatewayctl %s <command> --help' describes a command.\n", group);
}

static int is_group(const char *word)
{
    size_t i, len = strlen(word);

    for (i = 0; i != NCOMMANDS; ++i)
        if (strncmp(commands[i].name, word, len) == 0 && commands[i].name[len] == ' ')
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    gw_ctl_t ctl = {0};
    const char *env;
    int i = 1;
    size_t c;

    if ((env = getenv("GATEWAY_DATABASE_URL")) != NULL && env[0] != '\0')
        ctl.database = env;
    if ((env = getenv("GATEWAY_MASTER_KEY_FILE")) != NULL && env[0] != '\0')
        ctl.master_key_file = env;
    if ((env = getenv("GATEWAY_MASTER_KEY")) != NULL && env[0] != '\0')
        ctl.master_key = env;

    /* global options before the command */
    for (; i < argc && strncmp(argv[i], "--", 2) == 0 && !is_help(argv[i]); ++i) {
        const char **target = NULL, *arg = argv[i], *value;
        size_t namelen = strcspn(arg, "=");
        if (namelen == 10 && strncmp(arg, "--database", 10) == 0)
            target = &ctl.database;
        else if (namelen == 17 && strncmp(arg, "--master-key-file", 17) == 0)
            target = &ctl.master_key_file;
        if (target == NULL) {
            fprintf(stderr, "gatewayctl: unknown option '%.*s'\nTry 'gatewayctl --help'.\n", (int)namelen, arg);
            return GW_CTL_EXIT_USAGE;
        }
        if (arg[namelen] == '=') {
            value = arg + namelen + 1;
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            fprintf(stderr, "gatewayctl: %s needs a value\nTry 'gatewayctl --help'.\n", arg);
            return GW_CTL_EXIT_USAGE;
        }
        *target = value;
    }
    if (i == argc) {
        fputs(usage_main, stderr);
        return GW_CTL_EXIT_USAGE;
    }
    if (is_help(argv[i])) {
        fputs(usage_main, stdout);
        return GW_CTL_EXIT_OK;
    }

    for (c = 0; c != NCOMMANDS; ++c) {
        const char *name = commands[c].name, *space = strchr(name, ' ');
        if (space == NULL) {
            if (strcmp(name, argv[i]) == 0) {
                ctl.cmd = commands + c;
                return commands[c].run(&ctl, argc - i - 1, argv + i + 1);
            }
        } else if (strlen(argv[i]) == (size_t)(space - name) && strncmp(name, argv[i], (size_t)(space - name)) == 0 &&
                   i + 1 < argc && strcmp(space + 1, argv[i + 1]) == 0) {
            ctl.cmd = commands + c;
            return commands[c].run(&ctl, argc - i - 2, argv + i + 2);
        }
    }
    if (is_group(argv[i])) {
        if (i + 1 < argc && is_help(argv[i + 1])) {
            print_group(stdout, argv[i]);
            return GW_CTL_EXIT_OK;
        }
        if (i + 1 < argc)
            fprintf(stderr, "gatewayctl: unknown command '%s %s'\n", argv[i], argv[i + 1]);
        else
            fprintf(stderr, "gatewayctl: '%s' needs a command\n", argv[i]);
        print_group(stderr, argv[i]);
        return GW_CTL_EXIT_USAGE;
    }
    fprintf(stderr, "gatewayctl: unknown command '%s'\nTry 'gatewayctl --help'.\n", argv[i]);
    return GW_CTL_EXIT_USAGE;
}
