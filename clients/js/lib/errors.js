// errors.js — what the client throws.
//
//   NdbError            the server answered with a failure status: carries
//                       the command, the status (`st`), the server's message
//                       (`m`) and the whole response body
//   NdbTimeoutError     no answer within the request's timeout
//   NdbConnectionError  the connection failed or closed before the answer
//                       came (the request may or may not have been carried
//                       out: it is never sent again by the client)
//
// Status names follow ndb's status table (src/common/status.def); the
// client's tests check that the two agree.

// value → [name, meaning], as in src/common/status.def.
export const STATUS = {
    1: ['Ok', 'success'],
    2: ['OpCodeInvalid', 'the server accepts only text messages'],
    3: ['JsonInvalid', 'the server could not parse the request'],
    4: ['PathInvalid', 'the JSONPath is not valid'],
    5: ['NoPath', 'no JSONPath was given'],
    10: ['CommandNotExist', 'the server does not know this command (is it an older server?)'],
    11: ['CommandMultiple', 'the request holds more than one command'],
    12: ['CommandType', 'the command has the wrong type'],
    13: ['CommandSyntax', 'the request is not shaped as the command needs'],
    14: ['CommandDisabled', 'persistence is disabled on the server'],
    22: ['KeyNotExist', 'no such key'],
    26: ['ParamMissing', 'a required parameter is missing'],
    40: ['ValueMissing', 'a value is missing'],
    41: ['ValueTypeInvalid', 'a parameter or value has the wrong type'],
    42: ['ValueSize', 'a parameter is empty, too long or out of range'],
    43: ['AuthRequired', 'authentication required'],
    44: ['AuthFailed', 'wrong user name or password'],
    45: ['RoleDenied', "the user's role does not allow this command"],
    100: ['SessionNotExist', 'no such session (it may have expired)'],
    101: ['SessionTokenInvalid', 'the session token is malformed'],
    102: ['SessionOpenFail', 'the session could not be opened'],
    103: ['SessionNewFail', 'the session could not be created'],
    120: ['SaveStart', 'a save has started'],
    121: ['SaveComplete', 'the snapshot was saved'],
    122: ['SaveDirWriteFail', 'the server could not create the snapshot directory'],
    123: ['SaveError', 'the server failed while writing the snapshot'],
    124: ['PersistFailed', 'the server cannot write its journal or snapshots: writes are refused until it can'],
    140: ['Loading', 'the dataset holds no data files'],
    141: ['LoadComplete', 'the snapshot was loaded'],
    142: ['LoadError', 'the dataset does not exist or could not be read'],
    1000: ['Unknown', 'internal server error'],
};

// "ValueSize (42)", or "status 77" for a status this client does not know.
export function statusName(st) {
    const e = STATUS[st];
    return e ? `${e[0]} (${st})` : `status ${st}`;
}

// The server refused a request.  command: the command sent ("KV_SET");
// status: the `st` it answered; serverMessage: its `m` ("" or absent when
// the server said nothing more); response: the whole answer body.
export class NdbError extends Error {
    constructor(command, status, serverMessage, response) {
        const why = serverMessage || (STATUS[status] ? STATUS[status][1] : 'failed');
        super(`${command}: ${statusName(status)}: ${why}`);
        this.name = 'NdbError';
        this.command = command;
        this.status = status;
        this.serverMessage = serverMessage || '';
        this.response = response;
    }
}

// No answer came within the timeout.  The connection stays usable: the
// late answer, if it comes, is dropped.  sent: false when the request was
// still waiting for a connection — never sent, so certainly not carried
// out, which "no answer" alone left to guess (a write safe to retry).
export class NdbTimeoutError extends Error {
    constructor(command, ms, sent = true) {
        super(sent ? `${command}: no answer within ${ms} ms` : `${command}: not sent: no connection within ${ms} ms`);
        this.name = 'NdbTimeoutError';
        this.code = 'ETIMEDOUT';
        this.command = command;
        this.timeout = ms;
        this.sent = sent;
    }
}

// The connection could not be made, or closed before the answer came.
export class NdbConnectionError extends Error {
    constructor(command, why) {
        super(command ? `${command}: ${why}` : why);
        this.name = 'NdbConnectionError';
        this.code = 'ECONNECTION';
        this.command = command || null;
    }
}
