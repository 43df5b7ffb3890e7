"""A native thread pool for kernels: worker threads that never touch Python.

Handing chunks to Python threads costs a lock hand-off and the GIL on every call (tens of
microseconds on a busy machine, as much as a 1M-element kernel takes). These workers are
native threads (pthread_create) running LLVM code: after a job they spin for a while watching
for the next one, then sleep on a futex. ``run(pool, fn, args, ranges, n)`` publishes a job,
wakes sleepers, runs chunks itself and returns when every chunk is done; one ctypes call (with
the GIL released) per kernel call.

The pool is 8 words of shared memory:
  0 ticket: next chunk (bits 0-19), number of chunks (20-39), job generation (40-63). A thread
    claims a chunk by compare-and-swap of the whole word, so a claim can only succeed for the
    job that is current, and the job's fields cannot change until its claimed chunks are done;
  1 pending: chunks not finished; 2 seq: futex word bumped per job; 3 sleepers;
  4-6: the job (kernel function, its buffers tuple, its (start, stop, chunk) triples);
  7 quit: set (then seq bumped and sleepers woken) to make the workers return, which
    runtime.py does at exit, before the code they run is unloaded.
A thread that has not started, or has been lost to fork(), only means the caller runs more
chunks itself.
"""
from __future__ import annotations

SPIN = 20000       # pause instructions a worker waits for a next job before sleeping (~0.2 ms)
_SYS_FUTEX = 202   # x86-64 Linux
_FUTEX_WAIT_PRIVATE, _FUTEX_WAKE_PRIVATE = 128, 129
WORDS = 8

IR = f"""
declare i64 @syscall(i64, ...)
declare void @llvm.x86.sse2.pause()

define internal void @pjpool_claim(ptr %pool) nounwind {{
entry:
  br label %loop
loop:
  %t = load atomic i64, ptr %pool seq_cst, align 8
  %idx = and i64 %t, 1048575
  %nsh = lshr i64 %t, 20
  %n = and i64 %nsh, 1048575
  %more = icmp ult i64 %idx, %n
  br i1 %more, label %try, label %done
try:
  %t1 = add i64 %t, 1
  %r = cmpxchg ptr %pool, i64 %t, i64 %t1 seq_cst seq_cst
  %ok = extractvalue {{ i64, i1 }} %r, 1
  br i1 %ok, label %run, label %loop
run:
  %fnp = getelementptr inbounds i64, ptr %pool, i64 4
  %fn = load ptr, ptr %fnp, align 8
  %argsp = getelementptr inbounds i64, ptr %pool, i64 5
  %args = load ptr, ptr %argsp, align 8
  %rangesp = getelementptr inbounds i64, ptr %pool, i64 6
  %ranges = load ptr, ptr %rangesp, align 8
  %k = mul i64 %idx, 3
  %sp = getelementptr inbounds i64, ptr %ranges, i64 %k
  %s = load i64, ptr %sp, align 8
  %ep = getelementptr inbounds i64, ptr %sp, i64 1
  %e = load i64, ptr %ep, align 8
  %cp = getelementptr inbounds i64, ptr %sp, i64 2
  %c = load i64, ptr %cp, align 8
  call void %fn(ptr %args, i64 %s, i64 %e, i64 %c)
  %pendp = getelementptr inbounds i64, ptr %pool, i64 1
  %old = atomicrmw sub ptr %pendp, i64 1 seq_cst
  br label %loop
done:
  ret void
}}

define internal i1 @pjpool_has_work(ptr %pool) nounwind {{
  %t = load atomic i64, ptr %pool seq_cst, align 8
  %idx = and i64 %t, 1048575
  %nsh = lshr i64 %t, 20
  %n = and i64 %nsh, 1048575
  %more = icmp ult i64 %idx, %n
  ret i1 %more
}}

define ptr @pjpool_worker(ptr %pool) nounwind {{
entry:
  %seqp = getelementptr inbounds i64, ptr %pool, i64 2
  %sleepp = getelementptr inbounds i64, ptr %pool, i64 3
  br label %top
top:
  %quitp = getelementptr inbounds i64, ptr %pool, i64 7
  %q = load atomic i64, ptr %quitp seq_cst, align 8
  %stop = icmp ne i64 %q, 0
  br i1 %stop, label %exit, label %claim
claim:
  call void @pjpool_claim(ptr %pool)
  br label %spin
exit:
  ret ptr null
spin:
  %i = phi i64 [ 0, %claim ], [ %i1, %idle ]
  %w = call i1 @pjpool_has_work(ptr %pool)
  br i1 %w, label %top, label %check
check:
  %q2 = load atomic i64, ptr %quitp seq_cst, align 8
  %stop2 = icmp ne i64 %q2, 0
  br i1 %stop2, label %exit, label %idle
idle:
  call void @llvm.x86.sse2.pause()
  %i1 = add i64 %i, 1
  %tired = icmp ugt i64 %i1, {SPIN}
  br i1 %tired, label %sleep, label %spin
sleep:
  %a = atomicrmw add ptr %sleepp, i64 1 seq_cst
  %s0 = load atomic i32, ptr %seqp seq_cst, align 8
  %w2 = call i1 @pjpool_has_work(ptr %pool)
  %q3 = load atomic i64, ptr %quitp seq_cst, align 8
  %stop3 = icmp ne i64 %q3, 0
  %wake = or i1 %w2, %stop3
  br i1 %wake, label %awake, label %wait
wait:
  %rc = call i64 (i64, ...) @syscall(i64 {_SYS_FUTEX}, ptr %seqp, i32 {_FUTEX_WAIT_PRIVATE},
                                     i32 %s0, ptr null, ptr null, i32 0)
  br label %awake
awake:
  %b = atomicrmw sub ptr %sleepp, i64 1 seq_cst
  br label %top
}}

define internal void @pjpool_wake(ptr %seqp) nounwind {{
  %rc = call i64 (i64, ...) @syscall(i64 {_SYS_FUTEX}, ptr %seqp, i32 {_FUTEX_WAKE_PRIVATE},
                                     i32 2147483647, ptr null, ptr null, i32 0)
  ret void
}}

define void @pjpool_stop(ptr %pool) nounwind {{
entry:
  %quitp = getelementptr inbounds i64, ptr %pool, i64 7
  store atomic i64 1, ptr %quitp seq_cst, align 8
  %seqp = getelementptr inbounds i64, ptr %pool, i64 2
  %s = atomicrmw add ptr %seqp, i32 1 seq_cst
  call void @pjpool_wake(ptr %seqp)
  ret void
}}

define void @pjpool_run(ptr %pool, ptr %fn, ptr %args, ptr %ranges, i64 %n) nounwind {{
entry:
  %fnp = getelementptr inbounds i64, ptr %pool, i64 4
  store ptr %fn, ptr %fnp, align 8
  %argsp = getelementptr inbounds i64, ptr %pool, i64 5
  store ptr %args, ptr %argsp, align 8
  %rangesp = getelementptr inbounds i64, ptr %pool, i64 6
  store ptr %ranges, ptr %rangesp, align 8
  %pendp = getelementptr inbounds i64, ptr %pool, i64 1
  store atomic i64 %n, ptr %pendp seq_cst, align 8
  %t = load atomic i64, ptr %pool seq_cst, align 8
  %gen = lshr i64 %t, 40
  %gen1 = add i64 %gen, 1
  %g = shl i64 %gen1, 40
  %nn = shl i64 %n, 20
  %new = or i64 %g, %nn
  store atomic i64 %new, ptr %pool seq_cst, align 8
  %seqp = getelementptr inbounds i64, ptr %pool, i64 2
  %s = atomicrmw add ptr %seqp, i32 1 seq_cst
  %sleepp = getelementptr inbounds i64, ptr %pool, i64 3
  %sl = load atomic i64, ptr %sleepp seq_cst, align 8
  %any = icmp ne i64 %sl, 0
  br i1 %any, label %wake, label %work
wake:
  call void @pjpool_wake(ptr %seqp)
  br label %work
work:
  call void @pjpool_claim(ptr %pool)
  br label %wait
wait:
  %p = load atomic i64, ptr %pendp seq_cst, align 8
  %busy = icmp ne i64 %p, 0
  br i1 %busy, label %pause, label %done
pause:
  call void @llvm.x86.sse2.pause()
  br label %wait
done:
  ret void
}}
"""
