/*
 * One h2o evloop waits for everything. libcurl's sockets live in an epoll set of their own whose fd is
 * watched by h2o; curl's timer is a timerfd, also watched by h2o; a next-tick queue runs on an eventfd.
 * curl is only ever called from inside h2o's callbacks, never between loop turns.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include "hubspot/internal.h"

struct st_hs_loop_t {
    h2o_evloop_t *evloop;
    int efd;
    h2o_socket_t *esock;
    hs_tick_t *head, **tail; /* ticks for the next turn */
    hs_tick_t *running;      /* the rest of the turn being run: a callback may cancel any of them */
    CURLM *multi;
    int epfd;
    h2o_socket_t *epsock;
    int tfd;
    h2o_socket_t *tsock;
    hs_tick_t curl_timeout;
    int dfd;
    h2o_socket_t *dsock;
    hs_tick_t *delayed; /* sorted by due time */
};

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void arm_delayed(hs_loop_t *loop)
{
    struct itimerspec its = {{0, 0}, {0, 0}};
    if (loop->delayed != NULL) {
        /* an absolute time; 0 would disarm, so the epoch's first millisecond stands for "now" */
        uint64_t due = loop->delayed->_due != 0 ? loop->delayed->_due : 1;
        its.it_value.tv_sec = (time_t)(due / 1000);
        its.it_value.tv_nsec = (long)(due % 1000) * 1000000;
    }
    timerfd_settime(loop->dfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void unlink_delayed(hs_loop_t *loop, hs_tick_t *tick)
{
    for (hs_tick_t **pp = &loop->delayed; *pp != NULL; pp = &(*pp)->_next) {
        if (*pp == tick) {
            *pp = tick->_next;
            break;
        }
    }
    tick->_next = NULL;
    tick->_delayed = 0;
}

static void on_delayed(h2o_socket_t *sock, const char *err)
{
    hs_loop_t *loop = sock->data;
    uint64_t n, now = now_ms();
    hs_tick_t *t;
    if (read(loop->dfd, &n, sizeof(n)) < 0 && errno != EAGAIN)
        return;
    while ((t = loop->delayed) != NULL && t->_due <= now) {
        loop->delayed = t->_next;
        t->_next = NULL;
        t->_delayed = 0;
        hs_tick_schedule(loop, t);
    }
    arm_delayed(loop);
}

void hs_tick_schedule_in(hs_loop_t *loop, hs_tick_t *tick, uint64_t delay_ms)
{
    hs_tick_t **pp;
    if (tick->_queued)
        hs_tick_cancel(loop, tick);
    if (tick->_delayed)
        unlink_delayed(loop, tick);
    tick->_due = now_ms() + delay_ms;
    tick->_delayed = 1;
    for (pp = &loop->delayed; *pp != NULL && (*pp)->_due <= tick->_due; pp = &(*pp)->_next)
        ;
    tick->_next = *pp;
    *pp = tick;
    if (loop->delayed == tick)
        arm_delayed(loop);
}

typedef struct st_transfer_t {
    hs_done_cb cb;
    void *data;
} transfer_t;

static void on_tick_ready(h2o_socket_t *sock, const char *err)
{
    hs_loop_t *loop = sock->data;
    uint64_t n;
    hs_tick_t *t;

    while (read(loop->efd, &n, sizeof(n)) < 0 && errno == EINTR)
        ;
    /* run what was queued before this turn; ticks scheduled now run on the next turn */
    loop->running = loop->head;
    loop->head = NULL;
    loop->tail = &loop->head;
    while ((t = loop->running) != NULL) {
        loop->running = t->_next;
        t->_next = NULL;
        t->_queued = 0;
        t->cb(t);
    }
}

void hs_tick_schedule(hs_loop_t *loop, hs_tick_t *tick)
{
    if (tick->_queued)
        return;
    if (tick->_delayed)
        unlink_delayed(loop, tick); /* due now rather than later */
    tick->_queued = 1;
    tick->_next = NULL;
    if (loop->head == NULL) {
        uint64_t one = 1;
        while (write(loop->efd, &one, sizeof(one)) < 0 && errno == EINTR)
            ;
    }
    *loop->tail = tick;
    loop->tail = &tick->_next;
}

/* Unlinks `tick` from the singly linked list at `*pp`; returns whether it was there. */
static int unlink_from(hs_tick_t **pp, hs_tick_t ***tail, hs_tick_t *tick)
{
    for (; *pp != NULL; pp = &(*pp)->_next) {
        if (*pp == tick) {
            *pp = tick->_next;
            if (tail != NULL && *pp == NULL)
                *tail = pp;
            return 1;
        }
    }
    return 0;
}

void hs_tick_cancel(hs_loop_t *loop, hs_tick_t *tick)
{
    if (tick->_delayed) {
        unlink_delayed(loop, tick);
        return;
    }
    if (!tick->_queued)
        return;
    /* queued for the next turn, or still to run in this one */
    if (!unlink_from(&loop->head, &loop->tail, tick))
        unlink_from(&loop->running, NULL, tick);
    tick->_queued = 0;
    tick->_next = NULL;
}

static void check_done(hs_loop_t *loop)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(loop->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        CURL *easy = msg->easy_handle;
        CURLcode result = msg->data.result;
        transfer_t *t = NULL;
        curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&t);
        curl_multi_remove_handle(loop->multi, easy);
        curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
        if (t != NULL) {
            hs_done_cb cb = t->cb;
            void *data = t->data;
            free(t);
            cb(easy, result, data);
        }
    }
}

static void on_curl_sockets(h2o_socket_t *sock, const char *err)
{
    hs_loop_t *loop = sock->data;
    struct epoll_event ev[64];
    int n, running;

    do {
        n = epoll_wait(loop->epfd, ev, 64, 0);
        for (int i = 0; i < n; ++i) {
            int flags = 0;
            if (ev[i].events & (EPOLLIN | EPOLLHUP))
                flags |= CURL_CSELECT_IN;
            if (ev[i].events & EPOLLOUT)
                flags |= CURL_CSELECT_OUT;
            if (ev[i].events & EPOLLERR)
                flags |= CURL_CSELECT_ERR;
            curl_multi_socket_action(loop->multi, ev[i].data.fd, flags, &running);
        }
    } while (n == 64);
    check_done(loop);
}

static void run_curl_timeout(hs_loop_t *loop)
{
    int running;
    curl_multi_socket_action(loop->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(loop);
}

static void on_curl_timer(h2o_socket_t *sock, const char *err)
{
    hs_loop_t *loop = sock->data;
    uint64_t n;
    if (read(loop->tfd, &n, sizeof(n)) < 0)
        return; /* spurious wake-up: the timer was re-armed */
    run_curl_timeout(loop);
}

static void on_curl_timeout_tick(hs_tick_t *tick)
{
    hs_loop_t *loop = H2O_STRUCT_FROM_MEMBER(hs_loop_t, curl_timeout, tick);
    run_curl_timeout(loop);
}

static int curl_socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
    hs_loop_t *loop = userp;
    struct epoll_event ev = {0};

    if (what == CURL_POLL_REMOVE) {
        if (socketp != NULL) {
            epoll_ctl(loop->epfd, EPOLL_CTL_DEL, s, NULL);
            curl_multi_assign(loop->multi, s, NULL);
        }
        return 0;
    }
    ev.data.fd = s;
    if (what & CURL_POLL_IN)
        ev.events |= EPOLLIN;
    if (what & CURL_POLL_OUT)
        ev.events |= EPOLLOUT;
    if (socketp != NULL) {
        epoll_ctl(loop->epfd, EPOLL_CTL_MOD, s, &ev);
    } else {
        if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, s, &ev) != 0 && errno == EEXIST)
            epoll_ctl(loop->epfd, EPOLL_CTL_MOD, s, &ev);
        curl_multi_assign(loop->multi, s, (void *)1);
    }
    return 0;
}

static int curl_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
    hs_loop_t *loop = userp;
    struct itimerspec its = {{0, 0}, {0, 0}};

    if (timeout_ms == 0) {
        timerfd_settime(loop->tfd, 0, &its, NULL);
        hs_tick_schedule(loop, &loop->curl_timeout);
    } else {
        if (timeout_ms > 0) {
            its.it_value.tv_sec = timeout_ms / 1000;
            its.it_value.tv_nsec = (timeout_ms % 1000) * 1000000;
        }
        timerfd_settime(loop->tfd, 0, &its, NULL);
    }
    return 0;
}

static h2o_socket_t *watch_fd(hs_loop_t *loop, int fd, h2o_socket_cb cb)
{
    h2o_socket_t *sock = h2o_evloop_socket_create(loop->evloop, fd, H2O_SOCKET_FLAG_DONT_READ);
    sock->data = loop;
    h2o_socket_read_start(sock, cb);
    return sock;
}

hs_loop_t *hs_loop_create(h2o_evloop_t *evloop)
{
    hs_loop_t *loop = calloc(1, sizeof(*loop));
    if (loop == NULL)
        return NULL;
    loop->evloop = evloop;
    loop->tail = &loop->head;
    loop->curl_timeout.cb = on_curl_timeout_tick;
    loop->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    loop->epfd = epoll_create1(EPOLL_CLOEXEC);
    loop->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    loop->dfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (loop->efd < 0 || loop->epfd < 0 || loop->tfd < 0 || loop->dfd < 0 || (loop->multi = curl_multi_init()) == NULL) {
        if (loop->dfd >= 0)
            close(loop->dfd);
        if (loop->efd >= 0)
            close(loop->efd);
        if (loop->epfd >= 0)
            close(loop->epfd);
        if (loop->tfd >= 0)
            close(loop->tfd);
        free(loop);
        return NULL;
    }
    curl_multi_setopt(loop->multi, CURLMOPT_SOCKETFUNCTION, curl_socket_cb);
    curl_multi_setopt(loop->multi, CURLMOPT_SOCKETDATA, loop);
    curl_multi_setopt(loop->multi, CURLMOPT_TIMERFUNCTION, curl_timer_cb);
    curl_multi_setopt(loop->multi, CURLMOPT_TIMERDATA, loop);
    curl_multi_setopt(loop->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 64L);
    loop->esock = watch_fd(loop, loop->efd, on_tick_ready);
    loop->epsock = watch_fd(loop, loop->epfd, on_curl_sockets);
    loop->tsock = watch_fd(loop, loop->tfd, on_curl_timer);
    loop->dsock = watch_fd(loop, loop->dfd, on_delayed);
    return loop;
}

void hs_loop_destroy(hs_loop_t *loop)
{
    if (loop == NULL)
        return;
    curl_multi_cleanup(loop->multi);
    h2o_socket_close(loop->esock);
    h2o_socket_close(loop->epsock);
    h2o_socket_close(loop->tsock);
    h2o_socket_close(loop->dsock);
    free(loop);
}

int hs_loop_add(hs_loop_t *loop, CURL *easy, hs_done_cb cb, void *data)
{
    transfer_t *t = malloc(sizeof(*t));
    if (t == NULL)
        return -1;
    t->cb = cb;
    t->data = data;
    curl_easy_setopt(easy, CURLOPT_PRIVATE, (char *)t);
    if (curl_multi_add_handle(loop->multi, easy) != CURLM_OK) {
        curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
        free(t);
        return -1;
    }
    return 0;
}

void hs_loop_remove(hs_loop_t *loop, CURL *easy)
{
    transfer_t *t = NULL;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&t);
    curl_multi_remove_handle(loop->multi, easy);
    curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
    free(t);
}

h2o_evloop_t *hs_loop_evloop(hs_loop_t *loop)
{
    return loop->evloop;
}
