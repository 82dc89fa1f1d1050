/*
 * matchesPattern: the part of ECMAScript regular expressions that can be matched without backtracking,
 * compiled for a Pike VM (one pass over the subject, time proportional to subject x pattern, memory
 * proportional to the pattern). Characters are Unicode code points, as with ECMAScript's u flag; ill-formed
 * UTF-8 in a subject reads as U+FFFD.
 *
 * Served: literals, '.', character classes with ranges and negation, \d \D \w \W \s \S, \t \n \v \f \r \0,
 * \xHH, \uHHHH, \cX, escaped punctuation, groups (capturing or (?:...)), '|', the quantifiers * + ? {n}
 * {n,} {n,m} (greedy or lazy: only whether there is a match counts), '^' and '$' (start and end of the
 * subject: no flags). Refused with 501: back-references, \b \B, lookaround, named groups, \p{...}, and
 * escaped letters ECMAScript gives no meaning.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "odata/query_internal.h"

#define MAX_PROGRAM 2000 /* instructions */
#define MAX_REPEAT 1000  /* n and m of {n,m} */
#define MAX_NESTING 32   /* groups within groups */
#define MAX_NODES 4096   /* parse tree */
#define MAX_RANGES 4096  /* class ranges in all */
#define MAX_CODEPOINT 0x10FFFF

enum { OP_CHAR, OP_ANY, OP_CLASS, OP_SPLIT, OP_JMP, OP_BOL, OP_EOL, OP_MATCH };

typedef struct st_inst_t {
    unsigned char op;
    unsigned char negated;
    int32_t x; /* character, first range, or jump target */
    int32_t y; /* number of ranges, or second target */
} inst_t;

struct st_odata__regex_t {
    inst_t *prog;
    size_t n;
    int32_t *ranges; /* pairs lo, hi */
};

/* ---- parse tree ---- */

enum { N_EMPTY, N_CHAR, N_ANY, N_CLASS, N_BOL, N_EOL, N_CAT, N_ALT, N_REPEAT };

typedef struct st_rnode_t {
    int kind;
    int32_t c;           /* N_CHAR */
    int first, count;    /* N_CLASS: ranges; N_CAT / N_ALT: children in kids[] */
    int negated;         /* N_CLASS */
    int child, min, max; /* N_REPEAT; max -1: unbounded */
} rnode_t;

typedef struct st_compiler_t {
    const char *s;
    size_t len, i;
    rnode_t *nodes;
    int nnodes;
    int *kids; /* children of N_CAT / N_ALT nodes, contiguous per node */
    int nkids, capkids;
    int32_t *ranges;
    int nranges;
    int nesting;
    int status;
    char *msg;
    size_t msgsz;
} compiler_t;

static void fail(compiler_t *c, int status, const char *fmt, const char *detail)
{
    if (c->status != 0)
        return;
    c->status = status;
    snprintf(c->msg, c->msgsz, fmt, detail);
}

static int new_rnode(compiler_t *c, int kind)
{
    if (c->nnodes >= MAX_NODES) {
        fail(c, 501, "%s", "the pattern is too complex");
        return -1;
    }
    memset(&c->nodes[c->nnodes], 0, sizeof(rnode_t));
    c->nodes[c->nnodes].kind = kind;
    return c->nnodes++;
}

static int add_range(compiler_t *c, int32_t lo, int32_t hi)
{
    if (c->nranges >= MAX_RANGES) {
        fail(c, 501, "%s", "the pattern is too complex");
        return 0;
    }
    c->ranges[2 * c->nranges] = lo;
    c->ranges[2 * c->nranges + 1] = hi;
    ++c->nranges;
    return 1;
}

static int32_t next_cp(compiler_t *c)
{
    int32_t cp;
    c->i += odata__utf8_next(c->s + c->i, c->len - c->i, &cp);
    return cp < 0 ? 0xFFFD : cp;
}

static int peek(compiler_t *c, char ch)
{
    return c->i < c->len && c->s[c->i] == ch;
}

static int hexval(char h)
{
    if (h >= '0' && h <= '9')
        return h - '0';
    if (h >= 'a' && h <= 'f')
        return h - 'a' + 10;
    if (h >= 'A' && h <= 'F')
        return h - 'A' + 10;
    return -1;
}

/* n hex digits at c->i, or -1 (nothing consumed) */
static int32_t read_hex(compiler_t *c, int n)
{
    int32_t v = 0;
    if (c->len - c->i < (size_t)n)
        return -1;
    for (int k = 0; k < n; ++k) {
        int h = hexval(c->s[c->i + k]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    c->i += (size_t)n;
    return v;
}

/* The ranges of \d \w \s (upper case: their complements); 0 when `e` is none of them. */
static int class_escape(compiler_t *c, char e)
{
    static const int32_t digit[] = {'0', '9'};
    static const int32_t word[] = {'0', '9', 'A', 'Z', '_', '_', 'a', 'z'};
    static const int32_t space[] = {0x09,   0x0D,   0x20,   0x20,   0xA0,   0xA0,   0x1680, 0x1680, 0x2000, 0x200A,
                                    0x2028, 0x2029, 0x202F, 0x202F, 0x205F, 0x205F, 0x3000, 0x3000, 0xFEFF, 0xFEFF};
    const int32_t *set;
    int n;
    switch (e | 0x20) {
    case 'd':
        set = digit;
        n = 1;
        break;
    case 'w':
        set = word;
        n = 4;
        break;
    case 's':
        set = space;
        n = 10;
        break;
    default:
        return 0;
    }
    if (e >= 'a') {
        for (int k = 0; k < n; ++k)
            if (!add_range(c, set[2 * k], set[2 * k + 1]))
                return -1;
    } else {
        int32_t lo = 0;
        for (int k = 0; k < n; ++k) {
            if (set[2 * k] > lo && !add_range(c, lo, set[2 * k] - 1))
                return -1;
            lo = set[2 * k + 1] + 1;
        }
        if (!add_range(c, lo, MAX_CODEPOINT))
            return -1;
    }
    return 1;
}

/*
 * A character escape after '\' (not a class escape): the code point, or -1 with the error set. In a class,
 * \b is a backspace.
 */
static int32_t char_escape(compiler_t *c, int in_class)
{
    char e, detail[8];
    int32_t v;

    if (c->i >= c->len) {
        fail(c, 400, "%s", "the pattern ends with '\\'");
        return -1;
    }
    e = c->s[c->i++];
    switch (e) {
    case 't':
        return '\t';
    case 'n':
        return '\n';
    case 'v':
        return '\v';
    case 'f':
        return '\f';
    case 'r':
        return '\r';
    case '0':
        if (c->i < c->len && c->s[c->i] >= '0' && c->s[c->i] <= '9') {
            fail(c, 501, "%s", "octal escapes are not supported");
            return -1;
        }
        return 0;
    case 'x':
        if ((v = read_hex(c, 2)) < 0)
            fail(c, 400, "%s", "invalid \\x escape");
        return v;
    case 'u':
        if ((v = read_hex(c, 4)) < 0) {
            fail(c, 400, "%s", "invalid \\u escape");
            return -1;
        }
        /* a surrogate pair written as two escapes is one code point */
        if (v >= 0xD800 && v <= 0xDBFF && c->len - c->i >= 6 && c->s[c->i] == '\\' && c->s[c->i + 1] == 'u') {
            size_t save = c->i;
            int32_t lo;
            c->i += 2;
            if ((lo = read_hex(c, 4)) >= 0xDC00 && lo <= 0xDFFF)
                return 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
            c->i = save;
        }
        return v;
    case 'c':
        if (c->i < c->len && ((c->s[c->i] >= 'a' && c->s[c->i] <= 'z') || (c->s[c->i] >= 'A' && c->s[c->i] <= 'Z')))
            return c->s[c->i++] % 32;
        fail(c, 400, "%s", "invalid \\c escape");
        return -1;
    case 'b':
        if (in_class)
            return '\b';
        fail(c, 501, "%s", "word boundaries (\\b, \\B) are not supported");
        return -1;
    case 'B':
        fail(c, 501, "%s", "word boundaries (\\b, \\B) are not supported");
        return -1;
    case 'k':
    case 'p':
    case 'P':
        fail(c, 501, "%s", "named back-references and \\p{...} are not supported");
        return -1;
    default:
        break;
    }
    if (e >= '1' && e <= '9') {
        fail(c, 501, "%s", "back-references are not supported");
        return -1;
    }
    if ((unsigned char)e >= 0x80) {
        /* an escaped non-ASCII character is that character */
        --c->i;
        return next_cp(c);
    }
    if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z')) {
        detail[0] = '\\';
        detail[1] = e;
        detail[2] = '\0';
        fail(c, 501, "the escape %s is not supported", detail);
        return -1;
    }
    return (unsigned char)e; /* escaped punctuation is itself */
}

/* [...] after '[' */
static int parse_class(compiler_t *c)
{
    int n = new_rnode(c, N_CLASS);
    if (n < 0)
        return -1;
    c->nodes[n].first = c->nranges;
    if (peek(c, '^')) {
        c->nodes[n].negated = 1;
        ++c->i;
    }
    for (;;) {
        int32_t lo, hi;
        if (c->i >= c->len) {
            fail(c, 400, "%s", "unterminated character class");
            return -1;
        }
        if (peek(c, ']')) {
            ++c->i;
            break;
        }
        if (peek(c, '\\')) {
            int r;
            ++c->i;
            if (c->i < c->len && (r = class_escape(c, c->s[c->i])) != 0) {
                if (r < 0)
                    return -1;
                ++c->i;
                if (peek(c, '-') && c->i + 1 < c->len && c->s[c->i + 1] != ']') {
                    fail(c, 400, "%s", "a class escape cannot bound a range");
                    return -1;
                }
                continue;
            }
            if ((lo = char_escape(c, 1)) < 0)
                return -1;
        } else {
            lo = next_cp(c);
        }
        hi = lo;
        if (peek(c, '-') && c->i + 1 < c->len && c->s[c->i + 1] != ']') {
            ++c->i;
            if (peek(c, '\\')) {
                ++c->i;
                if (c->i < c->len && class_escape(c, c->s[c->i]) != 0) {
                    fail(c, 400, "%s", "a class escape cannot bound a range");
                    return -1;
                }
                if ((hi = char_escape(c, 1)) < 0)
                    return -1;
            } else {
                hi = next_cp(c);
            }
            if (hi < lo) {
                fail(c, 400, "%s", "a range of a character class is out of order");
                return -1;
            }
        }
        if (!add_range(c, lo, hi))
            return -1;
    }
    c->nodes[n].count = c->nranges - c->nodes[n].first;
    return n;
}

static int parse_alt(compiler_t *c);

/* {n}, {n,}, {n,m} at c->i (after '{'): 1 read, 0 not a quantifier (nothing consumed) */
static int read_braces(compiler_t *c, int *min, int *max)
{
    size_t j = c->i;
    long a = -1, b = -1;
    int comma = 0;
    while (j < c->len && c->s[j] >= '0' && c->s[j] <= '9') {
        a = (a < 0 ? 0 : a) * 10 + (c->s[j++] - '0');
        if (a > 1000000)
            a = 1000000;
    }
    if (a < 0)
        return 0;
    if (j < c->len && c->s[j] == ',') {
        comma = 1;
        ++j;
        while (j < c->len && c->s[j] >= '0' && c->s[j] <= '9') {
            b = (b < 0 ? 0 : b) * 10 + (c->s[j++] - '0');
            if (b > 1000000)
                b = 1000000;
        }
    }
    if (j >= c->len || c->s[j] != '}')
        return 0;
    c->i = j + 1;
    *min = (int)a;
    *max = comma ? (int)b : (int)a;
    return 1;
}

/* an atom and its quantifiers; -2 when there is no atom here */
static int parse_term(compiler_t *c)
{
    int n;
    char ch = c->s[c->i];

    switch (ch) {
    case '(':
        ++c->i;
        if (++c->nesting > MAX_NESTING) {
            fail(c, 501, "%s", "groups are nested too deeply");
            return -1;
        }
        if (peek(c, '?')) {
            if (c->i + 1 < c->len && c->s[c->i + 1] == ':') {
                c->i += 2;
            } else {
                fail(c, 501, "%s", "lookaround and named groups are not supported");
                return -1;
            }
        }
        if ((n = parse_alt(c)) < 0)
            return -1;
        if (!peek(c, ')')) {
            fail(c, 400, "%s", "missing ')'");
            return -1;
        }
        ++c->i;
        --c->nesting;
        break;
    case '[':
        ++c->i;
        n = parse_class(c);
        break;
    case '.':
        ++c->i;
        n = new_rnode(c, N_ANY);
        break;
    case '^':
    case '$':
        ++c->i;
        n = new_rnode(c, ch == '^' ? N_BOL : N_EOL);
        if (n >= 0 && c->i < c->len && strchr("*+?", c->s[c->i]) != NULL) {
            fail(c, 400, "%s", "nothing to repeat");
            return -1;
        }
        return n;
    case '*':
    case '+':
    case '?':
        fail(c, 400, "%s", "nothing to repeat");
        return -1;
    case '\\': {
        int r, first = c->nranges;
        ++c->i;
        if (c->i < c->len && (r = class_escape(c, c->s[c->i])) != 0) {
            if (r < 0 || (n = new_rnode(c, N_CLASS)) < 0)
                return -1;
            c->nodes[n].first = first;
            c->nodes[n].count = c->nranges - first;
            ++c->i;
            break;
        }
        {
            int32_t cp = char_escape(c, 0);
            if (cp < 0 || (n = new_rnode(c, N_CHAR)) < 0)
                return -1;
            c->nodes[n].c = cp;
        }
        break;
    }
    default: {
        int32_t cp = next_cp(c);
        if ((n = new_rnode(c, N_CHAR)) < 0)
            return -1;
        c->nodes[n].c = cp;
        break;
    }
    }
    if (n < 0)
        return -1;
    for (;;) {
        int min, max, r;
        if (c->i >= c->len)
            return n;
        switch (c->s[c->i]) {
        case '*':
            min = 0, max = -1;
            ++c->i;
            break;
        case '+':
            min = 1, max = -1;
            ++c->i;
            break;
        case '?':
            min = 0, max = 1;
            ++c->i;
            break;
        case '{':
            ++c->i;
            if (!read_braces(c, &min, &max)) {
                --c->i; /* a '{' that starts no quantifier is itself (Annex B) */
                return n;
            }
            if (max >= 0 && max < min) {
                fail(c, 400, "%s", "numbers out of order in {n,m}");
                return -1;
            }
            if (min > MAX_REPEAT || max > MAX_REPEAT) {
                fail(c, 501, "repetitions of more than %s are not supported", "1000");
                return -1;
            }
            break;
        default:
            return n;
        }
        if (peek(c, '?'))
            ++c->i; /* lazy: the same matches */
        if ((r = new_rnode(c, N_REPEAT)) < 0)
            return -1;
        c->nodes[r].child = n;
        c->nodes[r].min = min;
        c->nodes[r].max = max;
        n = r;
        if (c->i < c->len && strchr("*+?", c->s[c->i]) != NULL) {
            fail(c, 400, "%s", "nothing to repeat");
            return -1;
        }
    }
}

static int push_kid(compiler_t *c, int kid)
{
    if (c->nkids == c->capkids) {
        int *k = realloc(c->kids, (size_t)(c->capkids = c->capkids ? c->capkids * 2 : 64) * sizeof(int));
        if (k == NULL) {
            fail(c, 500, "%s", "out of memory");
            return 0;
        }
        c->kids = k;
    }
    c->kids[c->nkids++] = kid;
    return 1;
}

/* Builds a node over the children collected at kids[from..] (they are moved to the end, contiguous). */
static int seal(compiler_t *c, int kind, int *list, int count)
{
    int n = new_rnode(c, kind);
    if (n < 0)
        return -1;
    c->nodes[n].first = c->nkids;
    c->nodes[n].count = count;
    for (int k = 0; k < count; ++k)
        if (!push_kid(c, list[k]))
            return -1;
    return n;
}

static int parse_seq(compiler_t *c)
{
    int *list = NULL, n = 0, cap = 0, r = -1;
    while (c->i < c->len && c->s[c->i] != '|' && c->s[c->i] != ')') {
        int t = parse_term(c);
        if (t < 0)
            goto out;
        if (n == cap) {
            int *l = realloc(list, (size_t)(cap = cap ? cap * 2 : 8) * sizeof(int));
            if (l == NULL) {
                fail(c, 500, "%s", "out of memory");
                goto out;
            }
            list = l;
        }
        list[n++] = t;
    }
    r = n == 1 ? list[0] : n == 0 ? new_rnode(c, N_EMPTY) : seal(c, N_CAT, list, n);
out:
    free(list);
    return r;
}

static int parse_alt(compiler_t *c)
{
    int *list = NULL, n = 0, cap = 0, r = -1;
    for (;;) {
        int t = parse_seq(c);
        if (t < 0)
            goto out;
        if (n == cap) {
            int *l = realloc(list, (size_t)(cap = cap ? cap * 2 : 4) * sizeof(int));
            if (l == NULL) {
                fail(c, 500, "%s", "out of memory");
                goto out;
            }
            list = l;
        }
        list[n++] = t;
        if (!peek(c, '|'))
            break;
        ++c->i;
    }
    r = n == 1 ? list[0] : seal(c, N_ALT, list, n);
out:
    free(list);
    return r;
}

/* ---- code generation ---- */

/* instructions needed, saturated past MAX_PROGRAM */
static long program_size(const compiler_t *c, int n)
{
    const rnode_t *r = &c->nodes[n];
    long s = 0;
    switch (r->kind) {
    case N_EMPTY:
        return 0;
    case N_CAT:
    case N_ALT:
        for (int k = 0; k < r->count; ++k) {
            s += program_size(c, c->kids[r->first + k]) + (r->kind == N_ALT ? 2 : 0);
            if (s > MAX_PROGRAM)
                return MAX_PROGRAM + 1;
        }
        return s;
    case N_REPEAT: {
        long e = program_size(c, r->child);
        long copies = r->max < 0 ? r->min + 1 : r->max;
        s = copies * (e + 2);
        return s > MAX_PROGRAM ? MAX_PROGRAM + 1 : s;
    }
    default:
        return 1;
    }
}

static void emit(inst_t *prog, size_t *pc, int op, int32_t x, int32_t y, int negated)
{
    prog[*pc].op = (unsigned char)op;
    prog[*pc].x = x;
    prog[*pc].y = y;
    prog[*pc].negated = (unsigned char)negated;
    ++*pc;
}

static void gen(const compiler_t *c, int n, inst_t *prog, size_t *pc)
{
    const rnode_t *r = &c->nodes[n];
    switch (r->kind) {
    case N_EMPTY:
        break;
    case N_CHAR:
        emit(prog, pc, OP_CHAR, r->c, 0, 0);
        break;
    case N_ANY:
        emit(prog, pc, OP_ANY, 0, 0, 0);
        break;
    case N_CLASS:
        emit(prog, pc, OP_CLASS, r->first, r->count, r->negated);
        break;
    case N_BOL:
        emit(prog, pc, OP_BOL, 0, 0, 0);
        break;
    case N_EOL:
        emit(prog, pc, OP_EOL, 0, 0, 0);
        break;
    case N_CAT:
        for (int k = 0; k < r->count; ++k)
            gen(c, c->kids[r->first + k], prog, pc);
        break;
    case N_ALT: {
        /* split L1, next; L1: a; jmp end; next: split L2, next2; ... last: z; end: (the jumps to end are
         * chained through their targets until end is known) */
        int32_t chain = -1;
        for (int k = 0; k < r->count; ++k) {
            if (k + 1 < r->count) {
                size_t split = *pc;
                emit(prog, pc, OP_SPLIT, (int32_t)(split + 1), 0, 0);
                gen(c, c->kids[r->first + k], prog, pc);
                emit(prog, pc, OP_JMP, chain, 0, 0);
                chain = (int32_t)(*pc - 1);
                prog[split].y = (int32_t)*pc;
            } else {
                gen(c, c->kids[r->first + k], prog, pc);
            }
        }
        while (chain >= 0) {
            int32_t next = prog[chain].x;
            prog[chain].x = (int32_t)*pc;
            chain = next;
        }
        break;
    }
    case N_REPEAT: {
        int k;
        for (k = 0; k < r->min; ++k)
            gen(c, r->child, prog, pc);
        if (r->max < 0) {
            /* L: split body, end; body: e; jmp L; end: */
            size_t loop = *pc;
            emit(prog, pc, OP_SPLIT, (int32_t)(loop + 1), 0, 0);
            gen(c, r->child, prog, pc);
            emit(prog, pc, OP_JMP, (int32_t)loop, 0, 0);
            prog[loop].y = (int32_t)*pc;
        } else if (r->max > r->min) {
            /* each optional copy: split body, end (skipping one skips the rest); chained as above */
            int32_t chain = -1;
            for (; k < r->max; ++k) {
                emit(prog, pc, OP_SPLIT, (int32_t)(*pc + 1), chain, 0);
                chain = (int32_t)(*pc - 1);
                gen(c, r->child, prog, pc);
            }
            while (chain >= 0) {
                int32_t next = prog[chain].y;
                prog[chain].y = (int32_t)*pc;
                chain = next;
            }
        }
        break;
    }
    }
}

odata__regex_t *odata__regex_compile(odata_query_pool_t *pool, const char *pat, size_t len, int *status, char *msg, size_t msgsz)
{
    compiler_t c;
    odata__regex_t *re = NULL;
    inst_t *prog = NULL;
    int root;
    long size;
    size_t pc = 0;

    memset(&c, 0, sizeof(c));
    c.s = pat;
    c.len = len;
    c.msg = msg;
    c.msgsz = msgsz;
    c.nodes = malloc(MAX_NODES * sizeof(rnode_t));
    c.ranges = malloc(2 * MAX_RANGES * sizeof(int32_t));
    if (c.nodes == NULL || c.ranges == NULL) {
        fail(&c, 500, "%s", "out of memory");
        goto out;
    }
    root = parse_alt(&c);
    if (root >= 0 && c.i < c.len)
        fail(&c, 400, "%s", "unmatched ')'");
    if (c.status != 0)
        goto out;
    if ((size = program_size(&c, root) + 1) > MAX_PROGRAM) {
        fail(&c, 501, "%s", "the pattern is too complex");
        goto out;
    }
    if ((prog = malloc((size_t)size * sizeof(inst_t))) == NULL) {
        fail(&c, 500, "%s", "out of memory");
        goto out;
    }
    gen(&c, root, prog, &pc);
    emit(prog, &pc, OP_MATCH, 0, 0, 0);
    if ((re = odata__pool_alloc(pool, sizeof(*re))) == NULL || (re->prog = odata__pool_alloc(pool, pc * sizeof(inst_t))) == NULL ||
        (re->ranges = odata__pool_alloc(pool, ((size_t)c.nranges * 2 + 1) * sizeof(int32_t))) == NULL) {
        re = NULL;
        fail(&c, 500, "%s", "out of memory");
        goto out;
    }
    memcpy(re->prog, prog, pc * sizeof(inst_t));
    memcpy(re->ranges, c.ranges, (size_t)c.nranges * 2 * sizeof(int32_t));
    re->n = pc;
out:
    *status = c.status;
    free(prog);
    free(c.nodes);
    free(c.ranges);
    free(c.kids);
    return re;
}

/* ---- matching ---- */

size_t odata__regex_workspace(const odata__regex_t *re)
{
    /* two thread lists, the marks, and the stack of the closure (each instruction pushes at most two) */
    return (5 * re->n + 2) * sizeof(uint32_t);
}

static int in_class(const odata__regex_t *re, const inst_t *in, int32_t cp)
{
    const int32_t *r = re->ranges + 2 * in->x;
    for (int k = 0; k < in->y; ++k)
        if (cp >= r[2 * k] && cp <= r[2 * k + 1])
            return !in->negated;
    return in->negated;
}

/* Adds the thread at pc and every thread its jumps and assertions reach, at position pos of len. */
static void add_thread(const odata__regex_t *re, uint32_t *list, size_t *n, uint32_t *mark, uint32_t gen, uint32_t *stack,
                       uint32_t pc, size_t pos, size_t len)
{
    size_t sp = 0;
    stack[sp++] = pc;
    while (sp > 0) {
        const inst_t *in;
        pc = stack[--sp];
        if (mark[pc] == gen)
            continue;
        mark[pc] = gen;
        in = &re->prog[pc];
        switch (in->op) {
        case OP_JMP:
            stack[sp++] = (uint32_t)in->x;
            break;
        case OP_SPLIT:
            stack[sp++] = (uint32_t)in->y;
            stack[sp++] = (uint32_t)in->x;
            break;
        case OP_BOL:
            if (pos == 0)
                stack[sp++] = pc + 1;
            break;
        case OP_EOL:
            if (pos == len)
                stack[sp++] = pc + 1;
            break;
        default:
            list[(*n)++] = pc;
            break;
        }
    }
}

int odata__regex_match(const odata__regex_t *re, const char *s, size_t len, void *workspace)
{
    uint32_t *clist = workspace, *nlist = clist + re->n, *mark = nlist + re->n, *stack = mark + re->n, *t;
    size_t nc = 0, nn, pos = 0;
    uint32_t gen = 1;

    if (len > ODATA__REGEX_MAX_SUBJECT)
        return -1;
    memset(mark, 0, re->n * sizeof(uint32_t));
    add_thread(re, clist, &nc, mark, gen, stack, 0, 0, len);
    for (;;) {
        int32_t cp;
        size_t next;
        for (size_t k = 0; k < nc; ++k)
            if (re->prog[clist[k]].op == OP_MATCH)
                return 1;
        if (pos == len)
            return 0;
        next = pos + odata__utf8_next(s + pos, len - pos, &cp);
        if (cp < 0)
            cp = 0xFFFD;
        ++gen;
        nn = 0;
        for (size_t k = 0; k < nc; ++k) {
            const inst_t *in = &re->prog[clist[k]];
            int ok;
            switch (in->op) {
            case OP_CHAR:
                ok = cp == in->x;
                break;
            case OP_ANY:
                ok = cp != '\n' && cp != '\r' && cp != 0x2028 && cp != 0x2029;
                break;
            case OP_CLASS:
                ok = in_class(re, in, cp);
                break;
            default:
                ok = 0;
                break;
            }
            if (ok)
                add_thread(re, nlist, &nn, mark, gen, stack, clist[k] + 1, next, len);
        }
        /* the search is not anchored: a match may start at every position */
        add_thread(re, nlist, &nn, mark, gen, stack, 0, next, len);
        t = clist;
        clist = nlist;
        nlist = t;
        nc = nn;
        pos = next;
    }
}
