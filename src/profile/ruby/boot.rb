# frozen_string_literal: true

# benchmark-harness Ruby boot file, loaded into the server through RUBYOPT=-r<this file>.
# It never edits the app: it wraps the Rack app handed to Puma::Server.new (a request
# counter) and starts, in every process that serves requests, a thread that polls a
# control file. Signals are Puma's (USR1, USR2, HUP, TTIN...), so none is used here.
#
# Protocol (the directory is $BENCHMARK_HARNESS_RUBY_DIR):
#   <pid>.ready               written once a serving process polls
#   control                   "SEQ COMMAND [ARG]", replaced atomically by the harness
#   <pid>.<SEQ>.ack           "key value" lines, written atomically when COMMAND is done
# Commands: reset (GC.stat snapshot), read (GC.stat deltas since reset, heap levels),
# start (StackProf cpu mode, raw), stop NAME (folded stacks to <pid>.<SEQ>.folded and
# the Marshal dump of the stackprof result to NAME.<pid>.stackprof beside the dir).

module BenchmarkHarnessRuby
  DIR = ENV["BENCHMARK_HARNESS_RUBY_DIR"]
  POLL_SECS = 0.01
  DELTA_KEYS = %i[count time total_allocated_objects heap_allocated_pages heap_live_slots].freeze
  LEVEL_KEYS = %i[heap_allocated_pages heap_live_slots].freeze

  @pid = nil
  @requests = 0
  @lock = Mutex.new

  class << self
    attr_reader :requests

    def count_request
      @requests += 1 # GVL-protected increment; an approximate count is enough
    end

    # Start the control thread once per process (after a fork too).
    def ensure_poller
      return if DIR.nil? || @pid == Process.pid

      @lock.synchronize do
        return if @pid == Process.pid

        @pid = Process.pid
        @requests = 0
        @last_seq = current_seq || 0
        @base = nil
        Thread.new { poll }.tap { |t| t.name = "benchmark-harness" if t.respond_to?(:name=) }
        write_atomic(File.join(DIR, "#{@pid}.ready"), "pid #{@pid}\n")
      end
    end

    def current_seq
      text = File.read(File.join(DIR, "control"))
      Integer(text.split.first, exception: false)
    rescue SystemCallError
      nil
    end

    def poll
      loop do
        sleep POLL_SECS
        text = begin
          File.read(File.join(DIR, "control"))
        rescue SystemCallError
          next
        end
        seq, command, arg = text.split
        seq = Integer(seq, exception: false)
        next if seq.nil? || seq <= @last_seq

        @last_seq = seq
        lines = begin
          run(command, arg, seq)
        rescue Exception => e # rubocop:disable Lint/RescueException -- report, never kill the server
          ["error #{e.class}: #{e.message}".tr("\n", " ")]
        end
        write_atomic(File.join(DIR, "#{@pid}.#{seq}.ack"), lines.map { |l| "#{l}\n" }.join)
      end
    end

    def run(command, arg, seq)
      case command
      when "reset"
        @base = GC.stat
        @requests_base = @requests
        ["ok reset"]
      when "read" then read
      when "start" then start_stackprof
      when "stop" then stop_stackprof(arg || "profile", seq)
      else ["error unknown command #{command}"]
      end
    end

    def read
      now = GC.stat
      return ["error read before reset"] unless @base

      lines = ["ok read", "requests #{@requests - @requests_base}"]
      DELTA_KEYS.each { |k| lines << "delta_#{k} #{now[k] - @base[k]}" if now.key?(k) && @base.key?(k) }
      LEVEL_KEYS.each { |k| lines << "level_#{k} #{now[k]}" if now.key?(k) }
      lines
    end

    def start_stackprof
      require "stackprof"
      # A window whose start failed elsewhere was never stopped here: discard it.
      if StackProf.running?
        StackProf.stop
        StackProf.results
      end
      # cpu mode: wall mode under Puma samples only the main thread, which just waits.
      ok = StackProf.start(mode: :cpu, interval: 1000, raw: true)
      ok ? ["ok start"] : ["error StackProf.start returned false (already running?)"]
    end

    def stop_stackprof(name, seq)
      StackProf.stop
      result = StackProf.results
      return ["error no stackprof result"] unless result

      dump = File.join(File.dirname(DIR), "#{name}.#{@pid}.stackprof")
      File.binwrite(dump, Marshal.dump(result))
      folded = File.join(DIR, "#{@pid}.#{seq}.folded")
      write_atomic(folded, fold(result))
      ["ok stop", "samples #{result[:samples]}", "gc_samples #{result[:gc_samples]}",
       "folded #{folded}", "dump #{dump}"]
    end

    # stackprof's own `--stackcollapse`: raw is [len, frame..., weight, len, ...], root first.
    def fold(result)
      raw = result[:raw] || []
      frames = result[:frames] || {}
      sums = Hash.new(0)
      i = 0
      while i < raw.length
        len = raw[i]
        stack = raw[i + 1, len].map { |a| (frames.dig(a, :name) || "?").to_s.tr(";", ":").tr("\n", " ") }
        sums[stack.join(";")] += raw[i + 1 + len]
        i += len + 2
      end
      sums.map { |s, n| "#{s} #{n}\n" }.join
    end

    def write_atomic(path, text)
      tmp = "#{path}.tmp#{Process.pid}"
      File.write(tmp, text)
      File.rename(tmp, path)
    end
  end

  # Rack middleware: counts requests and makes sure this process polls.
  class Wrap
    def initialize(app)
      @app = app
    end

    def call(env)
      BenchmarkHarnessRuby.count_request
      @app.call(env)
    end
  end

  # Prepended to Puma::Server: wraps the app of every serving server (not Puma's control app).
  module ServerHook
    def initialize(app, *args, &block)
      unless app.class.name.to_s.start_with?("Puma::App::") # the control app
        app = Wrap.new(app)
        BenchmarkHarnessRuby.ensure_poller
      end
      super(app, *args, &block)
    end
    ruby2_keywords(:initialize) if respond_to?(:ruby2_keywords, true)
  end

  # Puma is not loaded yet when RUBYOPT's -r runs: hook Puma::Server when it is defined.
  @hook = TracePoint.new(:class) do |tp|
    if tp.self.name == "Puma::Server" && !tp.self.ancestors.include?(ServerHook)
      tp.self.prepend(ServerHook)
      @hook.disable
    end
  end
  @hook.enable unless DIR.nil?
end
