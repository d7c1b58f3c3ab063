/*
 * journal_cli.h — `ndb journal check|repair`: the journal of a persist
 * path examined (and, if damaged, cut) without starting a server.
 */
#ifndef NDB_JOURNAL_CLI_H
#define NDB_JOURNAL_CLI_H

int cmd_journal(int argc, char **argv);

#endif
