# frozen_string_literal: true

# Sinatra in the modular style (Sinatra::Base): production defaults, no
# request logging, Rack::Protection left on as Sinatra ships it.
require "json"
require "sinatra/base"
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

# Sinatra builds its params from Rack::Request; its request class gets the parser above.
class Sinatra::Request
  QUERY_PARSER = RepeatedFieldsParser.make_default(65_536, 100)

  def query_parser
    QUERY_PARSER
  end
end

class BenchmarkApp < Sinatra::Base
  configure do
    set :logging, false
    set :show_exceptions, false
    set :raise_errors, false
  end

  helpers do
    def integer_param(name)
      Integer(params[name], 10)
    rescue ArgumentError, TypeError
      halt 400, { "content-type" => "application/json" }, JSON.generate({ "error" => "#{name} must be an integer" })
    end

    # An integer query value in min..max (or the default when the field is absent), else 400.
    def bounded_param(name, min, max, default = nil)
      raw = params[name]
      return default if raw.nil? && !default.nil?

      unless raw.is_a?(String) && raw.match?(/\A-?\d+\z/) && Integer(raw, 10).between?(min, max)
        halt 400, { "content-type" => "application/json" },
             JSON.generate({ "error" => "#{name} must be an integer in #{min}..#{max}" })
      end
      Integer(raw, 10)
    end

    def boolean_param(name)
      params[name] == "true"
    end

    def json_body
      request.body.rewind
      JSON.parse(request.body.read)
    rescue JSON::ParserError => e
      halt 400, { "content-type" => "application/json" }, JSON.generate({ "error" => e.message })
    end
  end

  before do
    content_type :json
  end

  get "/health" do
    JSON.generate({ "status" => "ok" })
  end

  get "/plaintext" do
    content_type :text
    "Hello, World!"
  end

  get "/json" do
    JSON.generate({ "message" => "Hello, World!" })
  end

  %w[small medium large very-large].each do |size|
    post "/json/#{size}" do
      JSON.generate(json_body)
    end
  end

  get "/path/simple/:id" do
    JSON.generate({ "id" => params["id"] })
  end

  get "/path/multiple/:user_id/:post_id" do
    JSON.generate({ "user_id" => params["user_id"], "post_id" => params["post_id"] })
  end

  get "/path/deep/:org/:team/:project/:resource/:id" do
    JSON.generate({
      "org" => params["org"],
      "team" => params["team"],
      "project" => params["project"],
      "resource" => params["resource"],
      "id" => params["id"],
    })
  end

  get "/path/int/:id" do
    JSON.generate({ "id" => integer_param("id") })
  end

  get "/path/uuid/:uuid" do
    JSON.generate({ "uuid" => params["uuid"] })
  end

  get "/path/date/:date" do
    JSON.generate({ "date" => params["date"] })
  end

  get "/query/few" do
    JSON.generate({
      "q" => params["q"],
      "page" => integer_param("page"),
      "limit" => integer_param("limit"),
    })
  end

  get "/query/medium" do
    JSON.generate({
      "category" => params["category"],
      "tags" => params["tags"],
      "min_price" => integer_param("min_price"),
      "max_price" => integer_param("max_price"),
      "sort" => params["sort"],
      "order" => params["order"],
      "page" => integer_param("page"),
      "limit" => integer_param("limit"),
    })
  end

  get "/query/many" do
    JSON.generate({
      "q" => params["q"],
      "page" => integer_param("page"),
      "limit" => integer_param("limit"),
      "sort" => params["sort"],
      "order" => params["order"],
      "filter" => params["filter"],
      "category" => params["category"],
      "subcategory" => params["subcategory"],
      "brand" => params["brand"],
      "min_price" => integer_param("min_price"),
      "max_price" => integer_param("max_price"),
      "rating" => integer_param("rating"),
      "verified" => boolean_param("verified"),
      "in_stock" => boolean_param("in_stock"),
      "shipping" => params["shipping"],
      "color" => params["color"],
    })
  end

  # Server-sent events through Sinatra's stream helper: without an evented server
  # (no EventMachine under Puma) Sinatra's Stream runs the block inside the body's #each,
  # so every `out << event` is yielded to Puma, which writes it as one chunk right away.
  # The content type is set as a header: Sinatra's content_type helper would add
  # ";charset=utf-8" to a text/* type.
  get "/stream/sse" do
    count = bounded_param("count", 1, 100_000)
    interval = bounded_param("interval_ms", 0, 10_000, 0) / 1000.0
    headers "content-type" => "text/event-stream"
    cache_control :no_cache
    stream do |out|
      count.times do |i|
        sleep(interval) if i.positive? && interval.positive?
        ts_us = Process.clock_gettime(Process::CLOCK_REALTIME, :microsecond)
        out << "id: #{i}\ndata: {\"seq\":#{i},\"ts_us\":#{ts_us}}\n\n"
      end
    end
  end

  # Sinatra's params holds the decoded form fields of an
  # application/x-www-form-urlencoded body (plus the query string, empty here).
  %w[simple complex].each do |kind|
    post "/urlencoded/#{kind}" do
      JSON.generate(params)
    end
  end

  # Sinatra's params holds the parts of a multipart body (Rack's multipart parser): each
  # file as a hash whose "tempfile" holds the bytes received.
  %w[small medium large].each do |kind|
    post "/multipart/#{kind}" do
      files = params["files"]
      files = (files.is_a?(Array) ? files : [files]).select { |f| f.is_a?(Hash) && f["tempfile"] }
      answer = { "files_received" => files.size, "total_bytes" => files.sum { |f| f["tempfile"].size } }
      request.get_header(Rack::RACK_TEMPFILES)&.each(&:close!)
      content_type :json
      JSON.generate(answer)
    end
  end

  not_found do
    content_type :json
    JSON.generate({ "error" => "not found" })
  end
end
