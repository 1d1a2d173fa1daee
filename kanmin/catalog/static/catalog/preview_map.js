/* The map preview of a resource's places (catalog/_preview_map.html, issue 17).
 *
 * The page already lists the places (a table that works without script); this draws them on
 * a Leaflet map above it, clustered when many, from the GeoJSON at data-points-url. The
 * background tiles come from data-tile-url (KANMIN_MAP_TILE_URL; none when it is empty); when
 * they cannot be loaded the markers stay and a status line says so. Every text is taken from
 * the element's data attributes (translated by the server); every value from the data is put
 * in as text, never as HTML.
 */
(function () {
  "use strict";

  var box = document.getElementById("map-preview");
  if (!box || !window.L || !window.L.markerClusterGroup || !window.fetch) {
    return; // the list stays what the page offers
  }
  var data = box.dataset;
  var status = document.getElementById("map-status");
  var help = document.getElementById("map-help");
  var JAPANESE = /[\u3000-\u30ff\u3400-\u9fff\uff01-\uff9f]/;

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  function text(tag, value, className) {
    var el = document.createElement(tag);
    el.textContent = value;
    if (className) {
      el.className = className;
    }
    if (JAPANESE.test(value) && document.documentElement.lang.indexOf("ja") !== 0) {
      el.lang = "ja";
    }
    return el;
  }

  function popup(properties) {
    var content = document.createElement("div");
    content.className = "map-popup";
    content.appendChild(text("p", properties.label || "", "map-popup-name"));
    if (properties.name && properties.address) {
      content.appendChild(text("p", properties.address, "map-popup-address"));
    }
    (properties.details || []).slice(1).forEach(function (pair) {
      content.appendChild(text("p", pair[1], "map-popup-detail"));
    });
    var link = document.createElement("a");
    link.href = properties.map_url;
    link.rel = "noopener";
    link.className = "map-popup-link";
    link.textContent = data.openMap;
    var line = document.createElement("p");
    line.appendChild(link);
    content.appendChild(line);
    return content;
  }

  var ClusterIcon = L.DivIcon.extend({
    createIcon: function (old) {
      var div = L.DivIcon.prototype.createIcon.call(this, old);
      div.setAttribute("aria-label", this.options.label);
      div.title = this.options.label;
      return div;
    },
  });

  function clusterIcon(cluster) {
    var count = cluster.getChildCount();
    var size = count < 10 ? "small" : count < 100 ? "medium" : "large";
    var inner = document.createElement("div");
    var number = document.createElement("span");
    number.textContent = String(count);
    number.setAttribute("aria-hidden", "true");
    inner.appendChild(number);
    return new ClusterIcon({
      html: inner,
      className: "marker-cluster marker-cluster-" + size,
      iconSize: L.point(40, 40),
      label: data.cluster.replace("{count}", String(count)),
    });
  }

  function draw(collection) {
    box.hidden = false;
    if (help) {
      help.hidden = false;
    }
    // The map shows the places now: their list stays one click away, below it.
    var list = document.getElementById("map-list");
    if (list) {
      list.open = false;
    }
    var map = L.map(box, { zoomControl: false, keyboard: true, maxZoom: 18 });
    L.control.zoom({ zoomInTitle: data.zoomIn, zoomOutTitle: data.zoomOut }).addTo(map);
    map.attributionControl.setPrefix('<a href="https://leafletjs.com/">Leaflet</a>');
    if (data.tileUrl) {
      var failed = false;
      var tiles = L.tileLayer(data.tileUrl, {
        attribution: data.attribution,
        maxZoom: 18,
        errorTileUrl: "",
      });
      tiles.on("tileerror", function () {
        if (!failed) {
          failed = true;
          box.classList.add("map-without-tiles");
          say(data.tilesFailed);
        }
      });
      tiles.addTo(map);
    }
    var icon = L.icon({
      iconUrl: data.icon,
      iconRetinaUrl: data.icon2x,
      shadowUrl: data.shadow,
      iconSize: [25, 41],
      iconAnchor: [12, 41],
      popupAnchor: [1, -34],
      shadowSize: [41, 41],
    });
    var group = L.markerClusterGroup({
      iconCreateFunction: clusterIcon,
      showCoverageOnHover: false,
      chunkedLoading: true,
    });
    L.geoJSON(collection, {
      pointToLayer: function (feature, latlng) {
        var label = feature.properties.label || String(feature.id);
        return L.marker(latlng, { icon: icon, alt: label, title: label, keyboard: true });
      },
      onEachFeature: function (feature, layer) {
        layer.bindPopup(function () {
          return popup(feature.properties);
        });
        layer.on("popupclose", function () {
          // The focus was in the popup (now gone) or on the map: back to the place's marker.
          var element = layer.getElement();
          var active = document.activeElement;
          if (element && (!active || active === document.body || box.contains(active))) {
            element.focus({ preventScroll: true });
          }
        });
      },
    }).eachLayer(function (layer) {
      group.addLayer(layer);
    });
    // A group of places opens from the keyboard too (Enter), as a click opens it: the map
    // zooms in to it, or, when it cannot zoom further, spreads its places out.
    group.on("clusterkeypress", function (event) {
      if (event.originalEvent.key !== "Enter") {
        return;
      }
      if (map.getZoom() >= map.getMaxZoom()) {
        event.layer.spiderfy();
      } else {
        event.layer.zoomToBounds({ padding: [24, 24] });
      }
      box.focus({ preventScroll: true });
    });
    map.addLayer(group);
    map.on("popupopen", function (event) {
      var element = event.popup.getElement();
      var close = element && element.querySelector(".leaflet-popup-close-button");
      if (close) {
        close.setAttribute("aria-label", data.close);
        close.title = data.close;
      }
      if (element && !element.hasAttribute("data-escape")) {
        // Leaflet closes a popup with Escape only while the map itself has the focus.
        element.setAttribute("data-escape", "");
        L.DomEvent.on(element, "keydown", function (keyEvent) {
          if (keyEvent.key === "Escape") {
            map.closePopup();
          }
        });
      }
      var link = element && element.querySelector(".map-popup-link");
      if (link) {
        link.focus({ preventScroll: true });
      }
    });
    var bounds = group.getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16 });
    } else {
      map.setView([35.68, 139.76], 5);
    }
  }

  fetch(data.pointsUrl, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
    .then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.json();
    })
    .then(draw)
    .catch(function () {
      box.hidden = true;
      say(data.pointsFailed);
    });
})();
