/*
 * serve.h — `ndb serve`: options, config, start-up checks, then run.
 */
#ifndef NDB_SERVE_H
#define NDB_SERVE_H

int cmd_serve(int argc, char **argv);

#endif
