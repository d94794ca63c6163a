# frozen_string_literal: true

# A plain Rack application: no framework, just Rack::Request, Rack::Utils and
# Ruby's json library, the way one writes a small Rack endpoint by hand.
require "json"
require "rack"
require "rack/query_parser"

# Rack's query parser, except that a repeated plain field name (`files` sent twice) keeps
# every value in an array; Rack's own parser keeps only the last one unless the name ends
# in `[]`. Multipart bodies are still parsed by Rack's multipart parser.
class RepeatedFieldsParser < Rack::QueryParser
  def normalize_params(params, name, v, depth)
    return super if name.include?("[") || !params.key?(name)

    current = params[name]
    params[name] = current.is_a?(Array) ? current << v : [current, v]
    params
  end
end

class BenchmarkApp
  # Rack::Request with the parser above for its form and multipart bodies.
  class Request < Rack::Request
    QUERY_PARSER = RepeatedFieldsParser.make_default(65_536, 100)

    def query_parser
      QUERY_PARSER
    end
  end

  JSON_HEADERS = { "content-type" => "application/json" }.freeze
  TEXT_HEADERS = { "content-type" => "text/plain" }.freeze

  class BadRequest < StandardError; end

  SSE_HEADERS = { "content-type" => "text/event-stream", "cache-control" => "no-cache" }.freeze
  INTEGER = /\A-?\d+\z/

  # The body of GET /stream/sse: Puma calls #each and writes every yielded string as one
  # chunk (chunked encoding) as soon as it is yielded, so each event leaves when it is
  # made. ts_us is the wall clock in microseconds, read just before the event is yielded.
  class SseBody
    def initialize(count, interval_ms)
      @count = count
      @interval = interval_ms / 1000.0
    end

    def each
      @count.times do |i|
        sleep(@interval) if i.positive? && @interval.positive?
        ts_us = Process.clock_gettime(Process::CLOCK_REALTIME, :microsecond)
        yield "id: #{i}\ndata: {\"seq\":#{i},\"ts_us\":#{ts_us}}\n\n"
      end
    end
  end

  def call(env)
    req = Request.new(env)
    segments = req.path_info.split("/").reject(&:empty?).map { |s| Rack::Utils.unescape_path(s) }
    route(req, segments) || not_found
  rescue BadRequest, JSON::ParserError => e
    json(400, { "error" => e.message })
  end

  private

  def route(req, segments)
    if req.get?
      route_get(req, segments)
    elsif req.post?
      route_post(req, segments)
    end
  end

  def route_get(req, segments)
    case segments
    in ["health"]
      json(200, { "status" => "ok" })
    in ["plaintext"]
      [200, TEXT_HEADERS.dup, ["Hello, World!"]]
    in ["json"]
      json(200, { "message" => "Hello, World!" })
    in ["path", "simple", id]
      json(200, { "id" => id })
    in ["path", "multiple", user_id, post_id]
      json(200, { "user_id" => user_id, "post_id" => post_id })
    in ["path", "deep", org, team, project, resource, id]
      json(200, { "org" => org, "team" => team, "project" => project, "resource" => resource, "id" => id })
    in ["path", "int", id]
      json(200, { "id" => to_int(id, "id") })
    in ["path", "uuid", uuid]
      json(200, { "uuid" => uuid })
    in ["path", "date", date]
      json(200, { "date" => date })
    in ["stream", "sse"]
      q = req.GET
      count = bounded_int(q["count"], "count", 1, 100_000)
      interval_ms = bounded_int(q["interval_ms"], "interval_ms", 0, 10_000, 0)
      [200, SSE_HEADERS.dup, SseBody.new(count, interval_ms)]
    in ["query", "few"]
      q = req.GET
      json(200, {
        "q" => q["q"],
        "page" => to_int(q["page"], "page"),
        "limit" => to_int(q["limit"], "limit"),
      })
    in ["query", "medium"]
      q = req.GET
      json(200, {
        "category" => q["category"],
        "tags" => q["tags"],
        "min_price" => to_int(q["min_price"], "min_price"),
        "max_price" => to_int(q["max_price"], "max_price"),
        "sort" => q["sort"],
        "order" => q["order"],
        "page" => to_int(q["page"], "page"),
        "limit" => to_int(q["limit"], "limit"),
      })
    in ["query", "many"]
      q = req.GET
      json(200, {
        "q" => q["q"],
        "page" => to_int(q["page"], "page"),
        "limit" => to_int(q["limit"], "limit"),
        "sort" => q["sort"],
        "order" => q["order"],
        "filter" => q["filter"],
        "category" => q["category"],
        "subcategory" => q["subcategory"],
        "brand" => q["brand"],
        "min_price" => to_int(q["min_price"], "min_price"),
        "max_price" => to_int(q["max_price"], "max_price"),
        "rating" => to_int(q["rating"], "rating"),
        "verified" => to_bool(q["verified"]),
        "in_stock" => to_bool(q["in_stock"]),
        "shipping" => q["shipping"],
        "color" => q["color"],
      })
    else
      nil
    end
  end

  def route_post(req, segments)
    case segments
    in ["json", "small" | "medium" | "large" | "very-large"]
      json(200, JSON.parse(req.body.read))
    in ["urlencoded", "simple" | "complex"]
      # Rack::Request#POST parses application/x-www-form-urlencoded bodies
      # into a Hash of decoded strings.
      json(200, req.POST)
    in ["multipart", "small" | "medium" | "large"]
      # Rack::Request#POST runs Rack's multipart parser: each file arrives as a Hash
      # whose :tempfile holds the bytes received.
      files = req.POST["files"]
      files = (files.is_a?(Array) ? files : [files]).select { |f| f.is_a?(Hash) && f[:tempfile] }
      answer = { "files_received" => files.size, "total_bytes" => files.sum { |f| f[:tempfile].size } }
      req.get_header(Rack::RACK_TEMPFILES)&.each(&:close!)
      json(200, answer)
    else
      nil
    end
  end

  def json(status, value)
    [status, JSON_HEADERS.dup, [JSON.generate(value)]]
  end

  def not_found
    json(404, { "error" => "not found" })
  end

  def to_int(value, name)
    Integer(value, 10)
  rescue ArgumentError, TypeError
    raise BadRequest, "#{name} must be an integer"
  end

  # An integer query value in min..max (or the default when the field is absent), else 400.
  def bounded_int(value, name, min, max, default = nil)
    return default if value.nil? && !default.nil?
    raise BadRequest, "#{name} must be an integer" unless value.is_a?(String) && INTEGER.match?(value)

    n = Integer(value, 10)
    raise BadRequest, "#{name} must be in #{min}..#{max}" unless n.between?(min, max)

    n
  end

  def to_bool(value)
    value == "true"
  end
end
