#include "exit_policy.h"

#include <gtest/gtest.h>

#include <csignal>

#include "dotnet_workers/region_layout.h"

namespace dw::host {
namespace {

// waitpid-style statuses, built the way the kernel encodes them.
int Exited(int code) { return (code & 0xff) << 8; }
int Killed(int signal) { return signal & 0x7f; }

constexpr uint32_t kPrimary = 0;

TEST(ExitPolicy, PrimaryReturning_StartsAGracefulShutdown_AndItsCodeIsTheExitCode) {
  ExitPolicy policy;
  Decision d = policy.OnProcessEnded(kPrimary, "the primary", Exited(7));
  EXPECT_EQ(d.action, Action::kBeginShutdown);
  EXPECT_EQ(d.reason, layout::kReasonPrimaryExited);
  EXPECT_TRUE(d.message.empty());
  EXPECT_EQ(policy.OnProcessEnded(1, "worker 1", Exited(143)).action, Action::kNone);
  EXPECT_EQ(policy.ExitCode(), 7);
}

TEST(ExitPolicy, TheDashboard_IsRevivedWhateverTheOption_AndPastTheLimitLeftEnded) {
  ExitPolicy policy(WorkerExit::kFailAll, RestartLimits{1, 60'000, 100, 15'000});
  policy.ReviveAlways(3);
  Decision first = policy.OnProcessEnded(3, "worker 3", Killed(SIGKILL), 0, 1);
  EXPECT_EQ(first.action, Action::kRevive);
  EXPECT_EQ(first.revive_after_ms, 100u);
  Decision second = policy.OnProcessEnded(3, "worker 3", Killed(SIGKILL), 2, 3);
  EXPECT_EQ(second.action, Action::kNone);
  EXPECT_NE(second.message.find("continuing without it"), std::string::npos) << second.message;
  EXPECT_FALSE(policy.shutting_down());
  EXPECT_EQ(policy.OnProcessEnded(1, "worker 1", Killed(SIGKILL)).action, Action::kKillAll)
      << "the app's workers still fail all";
}

TEST(ExitPolicy, WorkerCrashingBeforeShutdown_KillsEverything) {
  ExitPolicy policy;
  Decision d = policy.OnProcessEnded(2, "worker 2 (pid 9)", Killed(SIGSEGV));
  EXPECT_EQ(d.action, Action::kKillAll);
  EXPECT_EQ(d.message, "dotnet-workers: worker 2 (pid 9) was killed by SIGSEGV; stopping the cluster");
  // The primary dying of our SIGKILL afterwards changes nothing.
  EXPECT_EQ(policy.OnProcessEnded(kPrimary, "the primary", Killed(SIGKILL)).action, Action::kNone);
  EXPECT_EQ(policy.ExitCode(), 139);
}

TEST(ExitPolicy, WorkerExitingNonZeroBeforeShutdown_KillsEverythingWithItsCode) {
  ExitPolicy policy;
  Decision d = policy.OnProcessEnded(1, "worker 1", Exited(3));
  EXPECT_EQ(d.action, Action::kKillAll);
  EXPECT_NE(d.message.find("exited with code 3; stopping the cluster"), std::string::npos);
  EXPECT_EQ(policy.ExitCode(), 3);
}

TEST(ExitPolicy, WithContinue_AWorkerFailingIsReported_AndTheClusterRunsOn) {
  ExitPolicy policy(WorkerExit::kContinue);
  Decision d = policy.OnProcessEnded(2, "worker 2 (pid 9)", Killed(SIGKILL));
  EXPECT_EQ(d.action, Action::kNone);
  EXPECT_EQ(
      d.message,
      "dotnet-workers: worker 2 (pid 9) was killed by SIGKILL; continuing without it (--on-worker-exit=continue)");
  EXPECT_FALSE(policy.shutting_down());
  EXPECT_EQ(policy.OnProcessEnded(kPrimary, "the primary", Exited(0)).action, Action::kBeginShutdown);
  EXPECT_EQ(policy.ExitCode(), 0);
}

TEST(ExitPolicy, WithContinue_ThePrimaryCrashingStillStopsEverything) {
  ExitPolicy policy(WorkerExit::kContinue);
  EXPECT_EQ(policy.OnProcessEnded(kPrimary, "the primary", Killed(SIGSEGV)).action, Action::kKillAll);
  EXPECT_EQ(policy.ExitCode(), 139);
}

constexpr uint64_t kMs = 1'000'000;

TEST(ExitPolicy, WithRevive_ADeadWorkerIsStartedAgain_AfterADelayThatGrows) {
  ExitPolicy policy(WorkerExit::kRevive);
  Decision first = policy.OnProcessEnded(2, "worker 2 (pid 9)", Killed(SIGKILL), 0, 500 * kMs);
  EXPECT_EQ(first.action, Action::kRevive);
  EXPECT_EQ(first.revive_after_ms, 100u);
  EXPECT_EQ(first.message, "dotnet-workers: worker 2 (pid 9) was killed by SIGKILL; reviving it in 100ms (restart 1)");
  Decision second = policy.OnProcessEnded(2, "worker 2 (pid 10)", Exited(1), 700 * kMs, 900 * kMs);
  EXPECT_EQ(second.action, Action::kRevive);
  EXPECT_EQ(second.revive_after_ms, 150u);
  EXPECT_EQ(policy.RestartsOf(2), 2u);
  EXPECT_EQ(policy.RestartsOf(1), 0u);
  EXPECT_FALSE(policy.shutting_down());
}

TEST(ExitPolicy, WithRevive_AWorkerExitingWithZero_HasFinished_AndThePrimaryIsNeverRevived) {
  ExitPolicy policy(WorkerExit::kRevive);
  EXPECT_EQ(policy.OnProcessEnded(1, "worker 1", Exited(0), 0, kMs).action, Action::kNone);
  EXPECT_EQ(policy.OnProcessEnded(kPrimary, "the primary", Killed(SIGSEGV), 0, kMs).action, Action::kKillAll);
  EXPECT_EQ(policy.ExitCode(), 139);
}

TEST(ExitPolicy, WithRevive_MoreDeathsThanTheLimitWithinTheWindow_FailTheCluster) {
  ExitPolicy policy(WorkerExit::kRevive, RestartLimits{.max_restarts = 2, .window_ms = 10'000});
  EXPECT_EQ(policy.OnProcessEnded(3, "worker 3", Exited(5), 0, 1000 * kMs).action, Action::kRevive);
  EXPECT_EQ(policy.OnProcessEnded(3, "worker 3", Exited(5), 1100 * kMs, 2000 * kMs).action, Action::kRevive);
  Decision third = policy.OnProcessEnded(3, "worker 3 (pid 4)", Exited(5), 2200 * kMs, 3000 * kMs);
  EXPECT_EQ(third.action, Action::kKillAll);
  EXPECT_EQ(third.message,
            "dotnet-workers: worker 3 (pid 4) exited with code 5: worker 3 died 3 times within 10s (more than "
            "--max-restarts=2); stopping the cluster");
  EXPECT_EQ(policy.ExitCode(), 5);
}

TEST(ExitPolicy, WithRevive_DeathsOutsideTheWindow_DoNotCount) {
  ExitPolicy policy(WorkerExit::kRevive, RestartLimits{.max_restarts = 1, .window_ms = 1'000});
  EXPECT_EQ(policy.OnProcessEnded(1, "worker 1", Killed(SIGKILL), 0, 1000 * kMs).action, Action::kRevive);
  EXPECT_EQ(policy.OnProcessEnded(1, "worker 1", Killed(SIGKILL), 1200 * kMs, 2500 * kMs).action, Action::kRevive);
  EXPECT_EQ(policy.OnProcessEnded(1, "worker 1", Killed(SIGKILL), 2600 * kMs, 2700 * kMs).action, Action::kKillAll);
}

TEST(ExitPolicy, WithRevive_NothingIsRevivedDuringShutdown) {
  ExitPolicy policy(WorkerExit::kRevive);
  EXPECT_EQ(policy.OnProcessEnded(kPrimary, "the primary", Exited(0), 0, kMs).action, Action::kBeginShutdown);
  EXPECT_EQ(policy.OnProcessEnded(1, "worker 1", Killed(SIGKILL), 0, kMs).action, Action::kNone);
}

TEST(ExitPolicy, AWorkerStoppedForARestart_IsStartedAgainAtOnce_HoweverItEnded_ButNotDuringShutdown) {
  ExitPolicy policy;  // even with fail-all: the launcher stopped it on purpose
  Decision d = policy.OnStoppedForRestart(2, "worker 2 (pid 9)", Killed(SIGTERM));
  EXPECT_EQ(d.action, Action::kRevive);
  EXPECT_EQ(d.revive_after_ms, 0u);
  EXPECT_EQ(d.message, "dotnet-workers: worker 2 (pid 9) has stopped; starting it again");
  EXPECT_EQ(policy.OnStoppedForRestart(2, "worker 2 (pid 10)", Killed(SIGKILL)).message,
            "dotnet-workers: worker 2 (pid 10) was killed by SIGKILL; starting it again");
  EXPECT_EQ(policy.RestartsOf(2), 0u) << "not a crash: no backoff, no restart limit";
  EXPECT_EQ(policy.OnProcessEnded(kPrimary, "the primary", Exited(0)).action, Action::kBeginShutdown);
  EXPECT_EQ(policy.OnStoppedForRestart(2, "worker 2", Exited(0)).action, Action::kNone);
  EXPECT_EQ(policy.ExitCode(), 0);
}

TEST(ExitPolicy, TheRunTimeout_StopsGracefully_NamesWhatStillRuns_AndExitsWith124) {
  ExitPolicy policy;
  Decision d = policy.OnRunTimeout({"the primary (pid 5) running", "worker 1 (pid 6, role 'worker') starting"}, "2s");
  EXPECT_EQ(d.action, Action::kBeginShutdown);
  EXPECT_EQ(d.message,
            "dotnet-workers: --timeout=2s passed; stopping the cluster; still running: the primary (pid 5) running, "
            "worker 1 (pid 6, role 'worker') starting");
  EXPECT_EQ(policy.OnProcessEnded(kPrimary, "the primary", Killed(SIGTERM)).action, Action::kNone);
  EXPECT_EQ(policy.ExitCode(), 124);
  EXPECT_EQ(policy.OnRunTimeout({}, "2s").action, Action::kNone) << "once";
}

TEST(ExitPolicy, WorkerExitingCleanlyBeforeShutdown_JustLeaves) {
  ExitPolicy policy;
  EXPECT_EQ(policy.OnProcessEnded(1, "worker 1", Exited(0)).action, Action::kNone);
  EXPECT_FALSE(policy.shutting_down());
}

TEST(ExitPolicy, PrimaryCrashing_KillsEverything) {
  ExitPolicy policy;
  Decision d = policy.OnProcessEnded(kPrimary, "the primary (pid 5)", Killed(SIGABRT));
  EXPECT_EQ(d.action, Action::kKillAll);
  EXPECT_EQ(policy.ExitCode(), 134);
}

TEST(ExitPolicy, PrimaryEndedByAStopSignal_IsAGracefulEnd) {
  for (int signal : {SIGINT, SIGTERM, SIGHUP}) {
    ExitPolicy policy;
    EXPECT_EQ(policy.OnProcessEnded(kPrimary, "the primary", Killed(signal)).action, Action::kBeginShutdown);
    EXPECT_EQ(policy.ExitCode(), 128 + signal);
  }
}

TEST(ExitPolicy, FirstSignal_StartsShutdown_SecondSigintKills) {
  ExitPolicy policy;
  EXPECT_EQ(policy.OnSignal(SIGINT).action, Action::kBeginShutdown);
  Decision second = policy.OnSignal(SIGINT);
  EXPECT_EQ(second.action, Action::kKillAll);
  EXPECT_EQ(second.message, "dotnet-workers: second SIGINT: killing every process");
  EXPECT_EQ(policy.OnProcessEnded(kPrimary, "the primary", Exited(0)).action, Action::kNone);
  EXPECT_EQ(policy.ExitCode(), 130);
}

TEST(ExitPolicy, SigtermAndSighupDoNotEscalate) {
  ExitPolicy policy;
  EXPECT_EQ(policy.OnSignal(SIGTERM).action, Action::kBeginShutdown);
  EXPECT_EQ(policy.OnSignal(SIGTERM).action, Action::kNone);
  EXPECT_EQ(policy.OnSignal(SIGHUP).action, Action::kNone);
  EXPECT_EQ(policy.OnProcessEnded(kPrimary, "the primary", Exited(0)).action, Action::kNone);
  EXPECT_EQ(policy.ExitCode(), 0);
}

TEST(ExitPolicy, OtherSignals_AreIgnored) {
  ExitPolicy policy;
  EXPECT_EQ(policy.OnSignal(SIGCHLD).action, Action::kNone);
  EXPECT_FALSE(policy.shutting_down());
}

TEST(ExitPolicy, EndingAsAskedDuringShutdown_IsNotReported) {
  ExitPolicy policy;
  policy.OnSignal(SIGINT);
  for (int status :
       {Exited(0), Exited(130), Exited(143), Exited(129), Killed(SIGINT), Killed(SIGTERM), Killed(SIGHUP)}) {
    Decision d = policy.OnProcessEnded(1, "worker 1", status);
    EXPECT_EQ(d.action, Action::kNone);
    EXPECT_TRUE(d.message.empty()) << d.message;
  }
  policy.OnProcessEnded(kPrimary, "the primary", Exited(0));
  EXPECT_EQ(policy.ExitCode(), 0);
}

TEST(ExitPolicy, FailingDuringShutdown_IsReported_AndDecidesTheCodeIfThePrimarysIsZero) {
  // The same events in both orders give the same exit code.
  for (bool primary_first : {true, false}) {
    ExitPolicy policy;
    policy.OnSignal(SIGTERM);
    Decision d;
    if (primary_first) policy.OnProcessEnded(kPrimary, "the primary", Exited(0));
    d = policy.OnProcessEnded(2, "worker 2", Exited(3));
    if (!primary_first) policy.OnProcessEnded(kPrimary, "the primary", Exited(0));
    EXPECT_EQ(d.message, "dotnet-workers: worker 2 exited with code 3 during shutdown");
    EXPECT_EQ(policy.OnProcessEnded(1, "worker 1", Killed(SIGSEGV)).message,
              "dotnet-workers: worker 1 was killed by SIGSEGV during shutdown");
    EXPECT_EQ(policy.ExitCode(), 3) << "the first failure, whatever the order";
  }
}

TEST(ExitPolicy, PrimaryEndingDuringShutdown_ItsCodeIsTheExitCode_WithoutAMessage) {
  ExitPolicy policy;
  policy.OnSignal(SIGINT);
  EXPECT_TRUE(policy.OnProcessEnded(kPrimary, "the primary", Exited(9)).message.empty());
  EXPECT_EQ(policy.ExitCode(), 9);
}

TEST(ExitPolicy, PrimaryCrashingDuringShutdown_IsReported) {
  ExitPolicy policy;
  policy.OnSignal(SIGTERM);
  EXPECT_EQ(policy.OnProcessEnded(kPrimary, "the primary", Killed(SIGSEGV)).message,
            "dotnet-workers: the primary was killed by SIGSEGV during shutdown");
  EXPECT_EQ(policy.ExitCode(), 139);
}

TEST(ExitPolicy, PrimarysOwnNonZeroCode_WinsOverShutdownFailures) {
  ExitPolicy policy;
  policy.OnProcessEnded(kPrimary, "the primary", Exited(5));
  policy.OnProcessEnded(1, "worker 1", Exited(3));
  EXPECT_EQ(policy.ExitCode(), 5);
}

TEST(ExitPolicy, ShutdownTimeout_KillsAndNamesEverySurvivor) {
  ExitPolicy policy;
  policy.OnProcessEnded(kPrimary, "the primary", Exited(2));
  Decision d = policy.OnShutdownTimeout({"worker 1", "worker 2"}, false, "300ms");
  EXPECT_EQ(d.action, Action::kKillAll);
  EXPECT_EQ(d.message,
            "dotnet-workers: worker 1 did not stop within 300ms of shutdown; killed\n"
            "dotnet-workers: worker 2 did not stop within 300ms of shutdown; killed");
  EXPECT_EQ(policy.OnProcessEnded(1, "worker 1", Killed(SIGKILL)).action, Action::kNone);
  EXPECT_EQ(policy.ExitCode(), 2);
}

TEST(ExitPolicy, PrimaryKilledAtTheTimeout_Is137) {
  ExitPolicy policy;
  policy.OnSignal(SIGTERM);
  policy.OnShutdownTimeout({"the primary"}, true, "5s");
  EXPECT_EQ(policy.ExitCode(), 137);
}

TEST(ExitPolicy, StartFailure_KillsWhatStarted) {
  ExitPolicy policy;
  EXPECT_EQ(policy.OnStartFailure(1).action, Action::kKillAll);
  EXPECT_EQ(policy.ExitCode(), 1);
}

}  // namespace
}  // namespace dw::host
